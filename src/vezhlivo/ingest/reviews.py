"""Reviews with the company's replies (marketplace and maps exports): CSV, XLSX or JSON.

One review is one conversation of channel ``review``: the review is the client's turn, the reply the
operator's. Fields (first found wins, case-blind):

- id: ``id``, ``review_id``, ``reviewId``, ``feedback_id``, «ID отзыва», «Номер отзыва»;
- review: ``text``, ``review``, ``review_text``, ``comment``, «Отзыв», «Текст отзыва», «Комментарий»;
  ``pros``/``cons`` («Достоинства»/«Недостатки») are added to it;
- reply: ``answer``, ``reply``, ``response``, ``reviewReply``, ``owner_answer``, «Ответ», «Ответ компании»,
  «Ответ продавца» — a string or an object with ``text``/``comment``;
- times: ``created_at``, ``createdDate``, ``createTime``, ``date``, «Дата», «Дата отзыва»; reply time
  ``answer_date``, «Дата ответа», or the reply object's ``updateTime``/``createTime``/``date``;
- author: ``author``, ``userName``, ``reviewer.displayName``, «Автор», «Имя», «Покупатель».

JSON may be a list, or hold it under ``reviews``, ``feedbacks``, ``items`` or ``data.feedbacks``
(Wildberries feedbacks API).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import FieldError, RecordError
from ..model import Channel, Client, Conversation, Role, Source
from .common import Turn, build_conversation, norm, time_of
from .tables import iter_table

if TYPE_CHECKING:
    from . import ReadOptions

FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "review_id", "reviewid", "feedback_id", "feedbackid", "id отзыва", "номер отзыва", "номер"),
    "text": ("text", "review", "review_text", "comment", "feedback", "отзыв", "текст отзыва", "текст",
             "комментарий", "отзыв клиента", "отзыв покупателя"),
    "pros": ("pros", "достоинства", "плюсы"),
    "cons": ("cons", "недостатки", "минусы"),
    "reply": ("answer", "reply", "response", "reviewreply", "owner_answer", "owner_reply", "company_reply",
              "seller_reply", "ответ", "ответ компании", "ответ продавца", "ответ магазина",
              "ответ организации", "ответ владельца", "ответ на отзыв"),
    "time": ("created_at", "createddate", "created_date", "createtime", "published_at", "date", "дата",
             "дата отзыва", "дата публикации", "время"),
    "reply_time": ("answer_date", "reply_date", "answered_at", "response_date", "replied_at", "дата ответа",
                   "время ответа"),
    "author": ("author", "username", "user_name", "reviewer", "name", "user", "автор", "имя", "покупатель",
               "клиент", "пользователь"),
}


def _find(keys: list[str], field: str) -> int | None:
    normed = [norm(k) for k in keys]
    for name in FIELDS[field]:
        if name in normed:
            return normed.index(name)
    return None


def looks_like_headers(headers: list[str]) -> bool:
    return _find(headers, "text") is not None and _find(headers, "reply") is not None and \
        _find([h for h in headers if norm(h) not in ("comment", "комментарий")], "reply") is not None


def review_list(data: Any) -> list[Any] | None:
    if isinstance(data, Mapping):
        for key in ("reviews", "feedbacks", "items"):
            if isinstance(data.get(key), list):
                return list(data[key])
        if isinstance(data.get("data"), Mapping):
            return review_list(data["data"])
        return None
    return data if isinstance(data, list) else None


def looks_like_json(data: Any) -> bool:
    items = review_list(data)
    if not items or not isinstance(items[0], Mapping):
        return False
    keys = list(items[0].keys())
    return _find(keys, "reply") is not None or (
        _find(keys, "text") is not None and any(norm(k) in ("rating", "productvaluation", "starrating",
                                                            "оценка") for k in keys))


def _get(obj: Mapping[str, Any], field: str) -> Any:
    i = _find(list(obj.keys()), field)
    return None if i is None else list(obj.values())[i]


def _review(obj: Mapping[str, Any], path: Path, number: int, options: ReadOptions) -> Conversation:
    text = _get(obj, "text")
    if isinstance(text, Mapping):
        text = text.get("text") or text.get("comment")
    parts = [str(text).strip()] if text not in (None, "") else []
    for key, label in (("pros", "Достоинства"), ("cons", "Недостатки")):
        v = _get(obj, key)
        if v not in (None, ""):
            parts.append(f"{label}: {str(v).strip()}")
    reply = _get(obj, "reply")
    reply_time: Any = _get(obj, "reply_time")
    if isinstance(reply, Mapping):
        reply_time = reply_time or reply.get("updateTime") or reply.get("createTime") or reply.get("date") \
            or reply.get("createdDate")
        reply = reply.get("text") or reply.get("comment") or reply.get("body")
    author = _get(obj, "author")
    if isinstance(author, Mapping):
        author = author.get("displayName") or author.get("name")
    author_s = str(author).strip() if author not in (None, "") else None
    turns = []
    if parts:
        turns.append(Turn(Role.CLIENT, "\n".join(parts), time_of(_get(obj, "time"), options, "date"), author_s))
    if reply not in (None, ""):
        turns.append(Turn(Role.OPERATOR, str(reply), time_of(reply_time, options, "reply_date")))
    if not turns:
        raise FieldError("text", "a review without text and without a reply")
    rid = _get(obj, "id")
    rid_s = str(int(rid)) if isinstance(rid, float) else (str(rid) if rid not in (None, "") else str(number))
    return build_conversation(f"review-{rid_s}", Channel.REVIEW, turns, source=Source(str(path), number),
                              client=Client(name=author_s), sort=False)


def read_reviews_json(path: Path, data: Any, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    for number, obj in enumerate(review_list(data) or [], start=1):
        if not isinstance(obj, Mapping):
            yield RecordError(str(path), number, None, "expected a review object")
            continue
        try:
            yield _review(obj, path, number, options)
        except FieldError as exc:
            yield RecordError(str(path), number, exc.field, exc.message)


def read_reviews_table(path: Path, options: ReadOptions) -> Iterator[Conversation | RecordError]:
    headers: list[str] = []
    sheet_seen: str | None = None
    for sheet, number, row in iter_table(path):
        if sheet != sheet_seen or not headers:
            if all(c in (None, "") for c in row):
                continue
            sheet_seen, headers = sheet, ["" if c is None else str(c).strip() for c in row]
            continue
        if all(c in (None, "") for c in row):
            continue
        obj = {h: (v.strip() if isinstance(v, str) else v) for h, v in zip(headers, row, strict=False) if h}
        try:
            yield _review(obj, path, number, options)
        except FieldError as exc:
            yield RecordError(f"{path}[{sheet}]" if sheet else str(path), number, exc.field, exc.message)
