"""A client's communication address (docs/access-rules.md, "Portfolio moves and the
communication address"): the address general communication about a client is sent from.
It is its manager's e-mail, else its portfolio's e-mail, else the firm's general e-mail;
with where it comes from.

The one place that says so: the client page, the client team tab and the API all read it
here. A deactivated manager no longer speaks for the firm, so their address is skipped.
Select `manager`, `portfolio` and `firm` with the client to read it without a query.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from portefeuille.contacts.models import Contact
    from portefeuille.firms.models import Firm


class AddressSource(enum.StrEnum):
    MANAGER = "manager"
    PORTFOLIO = "portfolio"
    FIRM = "firm"


SOURCE_LABELS = {
    AddressSource.MANAGER: _("e-mail du gestionnaire"),
    AddressSource.PORTFOLIO: _("e-mail du portefeuille"),
    AddressSource.FIRM: _("e-mail général du cabinet"),
}


@dataclass(frozen=True)
class CommunicationAddress:
    email: str
    source: AddressSource

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


def communication_address(client: Contact, firm: Firm | None = None) -> CommunicationAddress | None:
    """The client's communication address, or None when none of the three is set. `firm`:
    the client's firm when the caller has it already (a page of clients of one firm)."""
    manager = client.manager if client.manager_id else None
    if manager is not None and manager.is_active and manager.email:
        return CommunicationAddress(manager.email, AddressSource.MANAGER)
    portfolio = client.portfolio if client.portfolio_id else None
    if portfolio is not None and portfolio.email:
        return CommunicationAddress(portfolio.email, AddressSource.PORTFOLIO)
    firm = firm if firm is not None and firm.pk == client.firm_id else client.firm
    if firm.general_email:
        return CommunicationAddress(firm.general_email, AddressSource.FIRM)
    return None
