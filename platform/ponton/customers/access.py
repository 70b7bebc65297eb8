"""Access checks of the customer space.

`customer_view` (structure's domain, /compte/...): anonymous users go to the login page; a
logged-in person who is not a customer of this structure (no `Customer` row whose `account_id`
is theirs) gets 403; otherwise `request.customer` is that row. `account_view` (platform domain):
any logged-in person, for pages about their own account. Both mark the view
`ponton_permission = "customer.space"` for the URL-walking security test.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from ponton.customers.selectors import customer_for_account

CUSTOMER_SPACE = "customer.space"


def customer_view(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        structure = getattr(request, "tenant", None)
        if structure is None or structure.is_platform:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        customer = customer_for_account(account_id=request.user.pk)
        if customer is None:
            raise PermissionDenied("not a customer of this structure")
        request.customer = customer
        return view(request, *args, **kwargs)

    wrapped.ponton_permission = CUSTOMER_SPACE  # type: ignore[attr-defined]
    return wrapped


def account_view(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        structure = getattr(request, "tenant", None)
        if structure is not None and not structure.is_platform:
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    wrapped.ponton_permission = CUSTOMER_SPACE  # type: ignore[attr-defined]
    return wrapped
