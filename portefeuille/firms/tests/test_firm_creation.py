import pytest

from portefeuille.firms.models import ContactType, RoleSlot, WorkStatus
from portefeuille.firms.services import create_firm


@pytest.mark.django_db
def test_new_firm_gets_default_contact_types_role_slots_and_an_admin() -> None:
    firm, admin = create_firm(
        name="Cabinet Test", admin_email="Admin@Example.com", admin_password="x" * 12
    )

    assert admin.is_admin
    assert admin.firm == firm
    assert admin.email == "admin@example.com"
    assert list(ContactType.objects.filter(firm=firm).values_list("name", flat=True)) == [
        "Client",
        "Prospect",
        "Fournisseur",
        "Partenaire",
        "Inactif",
    ]
    assert ContactType.objects.get(firm=firm, name="Inactif").is_archive
    assert RoleSlot.objects.filter(firm=firm, title="").count() == 10
    assert WorkStatus.objects.filter(firm=firm).count() == 5
