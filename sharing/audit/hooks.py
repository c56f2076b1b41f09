"""Events nobody calls record() for by hand: sign-ins (Django's auth signals) and task contexts.

Connected once, by the sharing app's ready().

Celery: whoever queues a task puts its bound request id into the message's headers
(`bix_request_id`); the worker binds a `worker` context with that id while the task runs, so
what the task records is tied to the request that caused it. A task nobody's request queued
(beat, the scheduler) gets an id of its own for the run. Eager tasks run inside the caller's
context and carry its id the same way.
"""

from __future__ import annotations

from contextvars import Token
from typing import Any

from celery import Task
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from agencies.models import User
from sharing.audit.context import RequestContext, bind, current, new_request_id, unbind
from sharing.audit.models import AuditAction, AuditChannel
from sharing.audit.writer import record, record_denial

TASK_HEADER = "bix_request_id"

_task_tokens: dict[str, Token[RequestContext | None]] = {}


def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = current().request_id
    if headers is not None and request_id:
        headers.setdefault(TASK_HEADER, request_id)


def _bind_task_context(
    task_id: str = "", task: Task[Any, Any] | None = None, **kwargs: Any
) -> None:
    carried = task.request.get(TASK_HEADER) if task is not None else None
    request_id = str(carried or current().request_id or new_request_id())[:64]
    context = RequestContext(
        channel=AuditChannel.WORKER,
        request_id=request_id,
        extra={"task": task.name} if task is not None else {},
    )
    _task_tokens[task_id] = bind(context)


def _unbind_task_context(task_id: str = "", **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        unbind(token)


def _signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    record(user, AuditAction.LOGIN)


def _signed_out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        record(user, AuditAction.LOGOUT)


def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already masked anything that looks like a password in `credentials`.
    username = str(credentials.get("username", ""))[:150]
    record_denial(None, AuditAction.LOGIN_FAILED, details={"username": username})


def connect() -> None:
    before_task_publish.connect(_carry_request_id, weak=False, dispatch_uid="audit-carry-id")
    task_prerun.connect(_bind_task_context, weak=False, dispatch_uid="audit-task-context")
    task_postrun.connect(_unbind_task_context, weak=False, dispatch_uid="audit-task-context-end")
    user_logged_in.connect(_signed_in, weak=False, dispatch_uid="audit-signed-in")
    user_logged_out.connect(_signed_out, weak=False, dispatch_uid="audit-signed-out")
    user_login_failed.connect(_sign_in_failed, weak=False, dispatch_uid="audit-sign-in-failed")
