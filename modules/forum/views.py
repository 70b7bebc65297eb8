"""Forum client (FO-1): staff pages (Clients > Discussions, the conversation opened from the
customer card) and the customer's "Mes discussions". Sending is an HTTP POST to the service
(JSON for the page's script, a redirect otherwise); sockets only receive."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from modules.forum import selectors, services
from modules.forum.events import message_payload
from modules.forum.forms import MessageForm
from ponton.accounts.access import staff_view
from ponton.customers.access import customer_view
from ponton.customers.selectors import access_customer, customer_space_links

PAGE_SIZE = 50
ERROR_STATUS = {"limited": 429, "disabled": 404}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _after_id(request) -> int:
    try:
        return max(int(request.GET.get("apres", "0")), 0)
    except ValueError:
        return 0


def _post(request, *, post, page):
    """Call the posting service; answer JSON (the page's script) or redirect (no script)."""
    form = MessageForm(data=request.POST)
    form.is_valid()
    try:
        message = post(body=form.cleaned_data.get("body", ""))
    except services.ForumError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=ERROR_STATUS.get(exc.code, 400))
        form.add_error("body", str(exc))
        return page(form)
    if _wants_json(request):
        return JsonResponse({"message": message_payload(message)}, status=201)
    return redirect(request.path)


def _catch_up(request, conversation) -> JsonResponse:
    messages = selectors.messages_after(conversation=conversation, after_id=_after_id(request))
    return JsonResponse(
        {
            "conversation_id": conversation.pk if conversation else None,
            "messages": [message_payload(m) for m in messages],
        }
    )


def _thread(*, conversation, form, post_url, messages_url, viewer, read_url="") -> dict:
    return {
        "conversation": conversation,
        "thread_messages": selectors.conversation_messages(conversation=conversation),
        "form": form,
        "post_url": post_url,
        "messages_url": messages_url,
        "read_url": read_url,
        "viewer": viewer,
    }


# --- Staff -----------------------------------------------------------------------------------


@staff_view("module.use")
def index(request):
    """Clients > Discussions: every conversation, newest first, unread marked."""
    page = Paginator(selectors.conversation_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "forum/manager/index.html", {"page": page})


@staff_view("module.use")
def customer_conversation(request, customer_id: int):
    """The conversation with one customer (the customer card's "Forum" button)."""
    customer = access_customer(customer_id=customer_id)
    conversation = services.conversation_open(customer=customer)

    def page(form):
        context = _thread(
            conversation=conversation,
            form=form,
            post_url=request.path,
            messages_url=reverse("forum:customer_messages", args=[customer.pk]),
            read_url=reverse("forum:customer_read", args=[customer.pk]),
            viewer="staff",
        )
        return render(request, "forum/manager/conversation.html", {**context, "customer": customer})

    if request.method == "POST":
        return _post(
            request,
            post=lambda body: services.message_post_by_staff(
                structure=request.tenant, customer=customer, user=request.user, body=body
            ),
            page=page,
        )
    services.conversation_mark_read_by_staff(
        structure=request.tenant, conversation=conversation, user=request.user
    )
    return page(MessageForm())


@staff_view("module.use")
@require_GET
def customer_messages(request, customer_id: int):
    """Catch-up for the staff page: messages after ?apres=<id>, as JSON."""
    customer = access_customer(customer_id=customer_id)
    return _catch_up(request, selectors.conversation_for_customer(customer=customer))


@staff_view("module.use")
@require_POST
def customer_read(request, customer_id: int):
    """The staff page saw new customer messages arrive live: mark them read."""
    customer = access_customer(customer_id=customer_id)
    conversation = selectors.conversation_for_customer(customer=customer)
    if conversation is not None:
        services.conversation_mark_read_by_staff(
            structure=request.tenant, conversation=conversation, user=request.user
        )
    return HttpResponse(status=204)


# --- Customer space ---------------------------------------------------------------------------


@customer_view
def discussions(request):
    """Mes discussions: the customer's conversation with this structure."""
    customer = request.customer
    conversation = services.conversation_open(customer=customer)

    def page(form):
        context = _thread(
            conversation=conversation,
            form=form,
            post_url=request.path,
            messages_url=reverse("forum_compte:messages"),
            viewer="customer",
        )
        space_links = customer_space_links(structure=request.tenant, user=request.user)
        return render(
            request, "forum/space/discussions.html", {**context, "space_links": space_links}
        )

    if request.method == "POST":
        return _post(
            request,
            post=lambda body: services.message_post_by_customer(
                structure=request.tenant, customer=customer, body=body
            ),
            page=page,
        )
    return page(MessageForm())


@customer_view
@require_GET
def discussions_messages(request):
    """Catch-up for the customer page: messages after ?apres=<id>, as JSON."""
    return _catch_up(request, selectors.conversation_for_customer(customer=request.customer))
