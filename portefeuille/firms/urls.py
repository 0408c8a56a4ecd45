from django.urls import URLPattern, URLResolver

app_name = "firms"

urlpatterns: list[URLPattern | URLResolver] = []
