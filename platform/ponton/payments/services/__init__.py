"""Writes of Click & Pay (OR-9) and online card refunds (OR-6).

- `payment_request_create`: "Demande de C & P" on an invoice, by email or SMS (SMS through the
  `ponton_send_sms` hook that the SMS module implements). One active request per invoice.
- `payment_request_remind`: "Relancer Click and Pay" with the staff's own subject and body.
- `card_payment_confirmed`: the only way a "CB en ligne" payment is recorded, called by the
  signed Stripe webhook (or by the test gateway's button): the same confirmation received ten
  times records one payment.
- `online_refund`: a refund sent back to the card through the gateway, then recorded.

Emails and SMS leave after commit, through tasks that can be retried."""

from ponton.payments.services.common import (  # noqa: F401
    CURRENCY,
    GATEWAY_ACTOR,
    PaymentsError,
    _check_payable,
    _default_message,
    _send_email_after_commit,
    _send_sms_after_commit,
    _with_link,
    current_structure,
    payment_page_url,
)
from ponton.payments.services.page import (  # noqa: F401
    _payable_request,
    card_payment_confirmed,
    click_and_pay_succeeded,
    pay_with_card_token,
    pay_with_test_gateway,
    payment_intent_prepare,
    stripe_webhook_handle,
    stripe_webhook_verify,
    succeeded_intent,
)
from ponton.payments.services.refunds import (  # noqa: F401
    online_refund,
)
from ponton.payments.services.requests import (  # noqa: F401
    _check_message,
    click_and_pay_for_lines,
    payment_request_cancel,
    payment_request_create,
    payment_request_remind,
)
from ponton.payments.services.stripe_settings import (  # noqa: F401
    stripe_account_clear,
    stripe_account_save,
)
