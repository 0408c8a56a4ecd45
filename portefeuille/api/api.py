"""The NinjaAPI object mounted at /api/v1; routers live in each app's api.py."""

from ninja import NinjaAPI

api = NinjaAPI(
    title="Portefeuille API",
    version="1",
    urls_namespace="api",
)
