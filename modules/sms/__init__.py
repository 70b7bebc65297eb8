"""Module « SMS » (SM-1, paid). How it fits together:

- Sending: customer card (`ponton_customer_card_actions`), order card
  (`ponton_order_card_actions`), participants list (`ponton_participants_actions`) and
  Click & Pay (`ponton_send_sms`) all go through `services.sms_send`: mobiles only (E.164),
  promotional SMS only to consenting numbers with the STOP mention and within the allowed
  hours (`window.py`), the quota taken by one conditional UPDATE, then one
  `tasks.sms_deliver_task` per message after commit (retried on outage, sent once: row lock +
  state check in `services.message_deliver`; beat `sms_send_due_task` picks up waiting ones).
- Quota: granted and topped up by a platform operator on the console page
  /console/m/sms/structures/<pk>/quota/ (hooks `ponton_console_urls` and
  `ponton_console_structure_links`); staff see balance and history at /manager/m/sms/.
- Providers (`providers.py`): local (outbox page), OVHcloud, Brevo; chosen per structure at
  /manager/m/sms/reglages/ (keys sealed); receipts and STOP replies at
  /sms/rappel/<secret token>/<provider>/ on the structure's domain.
"""
