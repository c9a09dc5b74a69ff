"""Turns a ResourceSpec into its list/get/create/update/delete tools: the only place CRUD tools are made."""

from __future__ import annotations

from typing import Annotated, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from pydantic import AfterValidator, BaseModel, Field, create_model

from paymo_mcp.catalog.spec import WRITES, ResourceSpec
from paymo_mcp.client import MAX_LIMIT, PaymoError, build_include
from paymo_mcp.client.errors import PaymoNotFoundError
from paymo_mcp.client.uploads import Image, ImageFetchError, fetch_image, upload_image
from paymo_mcp.models.common import DateTime, Id, InputModel, ListFilters
from paymo_mcp.models.timezone import USER_TZ
from paymo_mcp.tools.answer_size import MAX_ANSWER_CHARS, shrink, size, within_cap
from paymo_mcp.tools.context import AppContext
from paymo_mcp.tools.cursor import CursorError, Position, decode, fingerprint
from paymo_mcp.tools.differences import not_kept
from paymo_mcp.tools.listing import SHAPE, Listing, listing_arguments
from paymo_mcp.tools.references import exists, missing_reference, no_such
from paymo_mcp.tools.toolkit import compact_schema, make_tool, tool_hints, user_timezone

# A watch answer is built from takes of this many records, while the next would still fit the answer cap.
WATCH_CHUNK = 10
WATCH_ROOM = MAX_ANSWER_CHARS - 1_000

Order = Annotated[
    str,
    Field(
        pattern=r"^[a-z_]+( (asc|desc))?$",
        description="'field asc|desc'; default id.",
    ),
]


def _searchable(text: str) -> str:
    if not text.strip() or len(text) > 200:
        raise ValueError("give 1 to 200 characters of text to look for")
    if any(ord(c) < 32 for c in text):
        raise ValueError("one line of text, without tabs or other control characters")
    return text


# Limits checked here rather than advertised: the schema of every list tool would carry them.
Search = Annotated[str, AfterValidator(_searchable)]


def _fields_type(known: tuple[str, ...]) -> Any:
    """`fields`: names of the record's fields; an unknown one is an error listing the known ones."""

    def check(names: list[str]) -> list[str]:
        unknown = [n for n in names if n not in known]
        if known and unknown:
            raise ValueError(f"unknown field {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
        return names

    return Annotated[
        list[str],
        AfterValidator(check),
        Field(description="Only these fields (id and includes stay)."),
    ]


def _include_type(spec_includes: tuple[str, ...]) -> Any:
    """`include`: a list of the resource's documented keys, dotted paths allowed below the first one."""

    def check(keys: list[str]) -> list[str]:
        for key in keys:
            head = key.split(".", 1)[0]
            if head not in spec_includes:
                raise ValueError(f"unknown include {key!r}; use {', '.join(spec_includes)}")
        build_include(keys)  # checks the shape of dotted paths
        return keys

    return Annotated[
        list[str],
        AfterValidator(check),
        Field(description=f"Embed related records: {', '.join(spec_includes)}; dotted paths go deeper."),
    ]


class ResourceTools:
    """The tools of one resource; each `*_tool` method returns one Tool."""

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        include = _include_type(spec.includes)
        self.include_field = (include | None, None)

    # -- list -----------------------------------------------------------------------------

    def list_tool(self) -> Tool:
        spec = self.spec
        extra: dict[str, Any] = {}
        if spec.search_fields:
            words = " or ".join(f.replace("_", " ") for f in spec.search_fields)
            extra["search"] = (Search | None, Field(None, description=f"Part of the {words}; any case."))
        args_model: type[ListFilters] = create_model(
            f"List{spec.name.title().replace('_', '')}Arguments",
            __base__=listing_arguments(spec.filters),
            include=self.include_field,
            fields=(_fields_type(spec.fields) | None, None),
            order=(Order | None, None),
            limit=(
                int,
                Field(50, ge=1, le=MAX_LIMIT, description="Most records."),
            ),
            cursor=(str | None, Field(None, description="A next_cursor.")),
            **extra,
        )
        page_fields: dict[str, Any] = {
            spec.name: (list[spec.read], ...),  # type: ignore[name-defined]
            "count": (int, ...),
            "more": (bool, Field(description="true when more records follow.")),
            "next_cursor": (
                str | None,
                Field(None, description="Pass as cursor for the next page; null at the end."),
            ),
            "note": (str | None, None),
        }
        output = create_model(f"{spec.name.title().replace('_', '')}Page", **page_fields)
        tool_name = f"list_{spec.name}"

        async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            async def progress(fetched: int, limit: int) -> None:
                # One record past the limit is fetched only to see whether more follow: not counted.
                fetched, limit = min(fetched, args.limit), min(limit, args.limit)
                await ctx.report_progress(fetched, limit, f"{fetched} {spec.plural_noun} so far")

            query = fingerprint(tool_name, args.model_dump(mode="json", exclude=SHAPE, exclude_none=True))
            try:
                start = decode(args.cursor, query) if args.cursor else Position()
            except CursorError as exc:
                raise ToolError(str(exc)) from None
            # Only `cursor` given: the next page has the limit and fields of the page that gave it.
            kept_shape = {
                name: value
                for name, value in (("limit", start.limit), ("fields", start.fields and list(start.fields)))
                if value is not None and name not in args.model_fields_set
            }
            if kept_shape:
                args = args.model_copy(update=kept_shape)
            if getattr(args, "overdue", None):  # "overdue" means before today where the user is
                token = USER_TZ.set(await user_timezone(app))
                try:
                    conditions = await args.resolve(app.client)
                finally:
                    USER_TZ.reset(token)
            else:
                conditions = await args.resolve(app.client)
            listing = Listing(spec, args, start)
            found = await listing.fetch(app, conditions, progress)
            answer = listing.answer(found, query)
            if not answer[spec.name] and not args.cursor:
                missing = await missing_reference(app.client, args.model_dump(exclude_none=True))
                if missing:
                    raise ToolError(missing)
            return answer

        return make_tool(
            input_schema=compact_schema(args_model.model_json_schema(), nullable=False),
            name=tool_name,
            description=f"List {spec.plural_noun}"
            + ("; filters combine with AND." if spec.filters.model_fields else ".")
            + (f" Ids for {spec.ids_for}." if spec.ids_for else ""),
            input_model=args_model,
            handler=handler,
            output_model=output,
            annotations=tool_hints(f"List {spec.plural_noun}", read_only=True),
        )

    # -- get ------------------------------------------------------------------------------

    def get_tool(self) -> Tool:
        spec = self.spec
        args_model = create_model(
            f"Get{spec.title.replace(' ', '')}Arguments",
            __base__=InputModel,
            id=(Id, Field(description=f"Id of the {spec.noun}.")),
            include=self.include_field,
        )

        async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            try:
                record = await app.client.get(
                    spec.path, spec.key, args.id, include=build_include(args.include)
                )
            except PaymoNotFoundError:
                raise ToolError(no_such("id", args.id, spec.noun, spec.finder, status=404)) from None
            return within_cap(record)

        return make_tool(
            name=f"get_{spec.singular}",
            description=f"Get one {spec.noun} by id.",
            input_model=args_model,
            handler=handler,
            output_model=spec.read,
            annotations=tool_hints(f"Get {spec.noun}", read_only=True),
        )

    # -- create / update ------------------------------------------------------------------

    async def _write(self, app: AppContext, record_id: int | None, body: dict[str, Any]) -> dict[str, Any]:
        """Create (`record_id` None) or update, then upload images, then say what Paymo did not keep.

        Images are fetched before anything is written, so a bad image URL changes nothing.
        """
        spec = self.spec
        images: dict[str, Image] = {}
        for name in spec.uploads:
            if name in body:
                try:
                    images[name] = await fetch_image(body.pop(name))
                except ImageFetchError as exc:
                    raise ToolError(f"{name}: {exc}; nothing was changed.") from None
        record: dict[str, Any] | None = None
        done = "created" if record_id is None else "updated"
        try:
            if record_id is None:
                record = await app.client.create(spec.path, spec.key, body)
                record_id = int(record["id"])
            elif body:
                record = await app.client.update(spec.path, spec.key, record_id, body)
        except PaymoError as exc:
            await self._name_wrong_id(app, exc, record_id, body)
            raise
        warnings = [not_kept(body, record)] if record is not None else []
        for name, image in images.items():
            try:
                record = await upload_image(app.client, spec.path, spec.key, record_id, image, field=name)
            except PaymoError as exc:
                warnings.append(f"The {spec.noun} was {done} but its {name} was not uploaded: {exc}")
            else:
                if not record.get(name):
                    warnings.append(f"Paymo took the {name} upload, but its answer shows no {name}.")
        if record is None:  # only an image was to change, and its upload failed
            record = await app.client.get(spec.path, spec.key, record_id)
        warning = " ".join(w for w in warnings if w)
        return within_cap({**record, "warning": warning} if warning else record)

    async def _name_wrong_id(
        self, app: AppContext, exc: PaymoError, record_id: int | None, arguments: dict[str, Any]
    ) -> None:
        """Paymo refused a write (400/404): if an id it names or refers to does not exist, say which tool
        finds the right one. Paymo's wording for this is undocumented, so the ids are looked up."""
        if exc.status not in (400, 404):
            return
        missing = await missing_reference(app.client, arguments)
        if missing:
            raise ToolError(f"{missing}; nothing was changed.") from None
        spec = self.spec
        if exc.status == 404 and record_id is not None and not await exists(app.client, spec.path, record_id):
            raise ToolError(no_such("id", record_id, spec.noun, spec.finder, status=404)) from None

    def create_tool(self) -> Tool:
        spec = self.spec
        assert spec.create is not None

        async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            return await self._write(app, None, args.paymo_body())

        doc = spec.create.__doc__ if spec.create.__doc__ and "Usage docs" not in spec.create.__doc__ else ""
        return make_tool(
            name=f"create_{spec.singular}",
            description=" ".join(p for p in (f"Create {spec.a_noun}.", doc or "", spec.hint) if p),
            input_model=spec.create,
            input_schema=compact_schema(spec.create.model_json_schema(), nullable=False),
            handler=handler,
            output_model=spec.read,
            annotations=tool_hints(f"Create {spec.noun}", read_only=False),
        )

    def update_tool(self) -> Tool:
        spec = self.spec
        assert spec.update is not None

        async def handler(args: BaseModel, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            body = args.model_dump(mode="json", exclude_unset=True, by_alias=True)
            record_id = body.pop("id")
            if not body:
                raise ToolError("Nothing to update: give at least one field besides id.")
            return await self._write(app, record_id, body)

        note = spec.update.__doc__ or ""
        return make_tool(
            name=f"update_{spec.singular}",
            description=" ".join(
                p for p in (f"Update {spec.a_noun}: omitted fields stay, null clears.", note, spec.hint) if p
            ),
            input_model=spec.update,
            handler=handler,
            output_model=spec.read,
            annotations=tool_hints(f"Update {spec.noun}", read_only=False, idempotent=True),
        )

    # -- delete ---------------------------------------------------------------------------

    def delete_tool(self) -> Tool:
        spec = self.spec
        args_model = create_model(
            f"Delete{spec.title.replace(' ', '')}Arguments",
            __base__=InputModel,
            id=(Id, Field(description=f"Id of the {spec.noun} to delete.")),
        )
        output = create_model(f"Deleted{spec.title.replace(' ', '')}", id=(int, ...), deleted=(bool, ...))

        async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            try:
                await app.client.delete(spec.path, args.id)
            except PaymoNotFoundError:
                raise ToolError(no_such("id", args.id, spec.noun, spec.finder, status=404)) from None
            return {"id": args.id, "deleted": True}

        cascade = f" Also deletes {spec.cascade}." if spec.cascade else ""

        async def question(arguments: dict[str, Any], app: AppContext) -> str | None:
            record_id = arguments.get("id")
            if not isinstance(record_id, int) or isinstance(record_id, bool) or record_id < 1:
                return None  # the arguments are wrong: the tool rejects them without asking
            try:
                record = await app.client.get(spec.path, spec.key, record_id)
            except PaymoError:
                return None  # e.g. not found: the delete itself reports it
            # What a person knows the record by: a name, an invoice's number, an entry's description,
            # a comment's text (its first 60 characters).
            content = record.get("content")
            if isinstance(content, str) and len(content) > 60:
                content = content[:57] + "..."
            named = [record.get(k) for k in ("name", "number", "description")] + [content]
            label = next((f" {v!r}" for v in named if isinstance(v, str) and v.strip()), "")
            return f"Delete {spec.noun} {record_id}{label}?{cascade} This cannot be undone."

        return make_tool(
            confirm=question,
            name=f"delete_{spec.singular}",
            description=f"Delete {spec.a_noun} permanently.{cascade}",
            input_model=args_model,
            handler=handler,
            output_model=output,
            annotations=tool_hints(f"Delete {spec.noun}", read_only=False, destructive=True, idempotent=True),
        )

    # -- watch --------------------------------------------------------------------------

    def watch_tool(self) -> Tool:
        from paymo_mcp.watch.errors import WatchInputError, WatchStoreError

        spec = self.spec
        arguments: dict[str, Any] = {
            "watcher": (
                str,
                Field(
                    "default",
                    pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
                    description="Your name for this watch; each watcher gets every new record once.",
                ),
            ),
            "limit": (int, Field(50, ge=1, le=500, description="Most records to return now.")),
            "since": (
                DateTime | None,
                Field(None, description="New watcher only: start here (ISO 8601) instead of now."),
            ),
            "cursor": (
                str | None,
                Field(
                    None,
                    max_length=64,
                    description="Last cursor you got: all taken after it comes again, none twice (7 days).",
                ),
            ),
        }
        for name in spec.watch_filters:
            field = spec.filters.model_fields[name]
            arguments[name] = (field.annotation, field)
        args_model = create_model(
            f"WatchNew{spec.name.title().replace('_', '')}Arguments", __base__=InputModel, **arguments
        )
        results: dict[str, Any] = {
            spec.name: (list[spec.read], ...),  # type: ignore[name-defined]
            "count": (int, ...),
            "remaining": (int, Field(description="How many more wait: call again to get them.")),
            "watcher": (str, ...),
            "cursor": (str, Field(description="Pass it back as `cursor` next call (kept 7 days).")),
            "mode": (str, Field(description="instant (Paymo webhooks) or polling.")),
            "note": (str | None, None),
        }
        output = create_model(f"New{spec.name.title().replace('_', '')}", **results)

        async def handler(args: Any, app: AppContext, ctx: Context[Any, Any]) -> dict[str, Any]:
            async def progress(fetched: int) -> None:
                await ctx.report_progress(fetched, None, f"{fetched} {spec.plural_noun} fetched")

            service = app.watch
            if service is None:
                raise ToolError("Watching is not running in this server (its lifespan did not start it).")
            wanted = {name: getattr(args, name) for name in spec.watch_filters}
            filters = {k: v for k, v in wanted.items() if v is not None}
            try:
                result = await service.take(
                    spec.name,
                    args.watcher,
                    min(args.limit, WATCH_CHUNK),
                    since=args.since,
                    filters=filters,
                    progress=progress,
                    cursor=args.cursor,
                )
                # More in chunks while the answer stays under the cap. One answer may hold several takes:
                # its cursor is the last one's, and the cursor of the answer before makes them all pending
                # again, so a lost answer is still taken again whole.
                records, biggest = list(result.records), max(map(size, result.records), default=0)
                while result.remaining and len(records) < args.limit:
                    chunk = min(WATCH_CHUNK, args.limit - len(records))
                    if size(records) + biggest * chunk > WATCH_ROOM:
                        break
                    result = await service.store.take(spec.name, args.watcher, chunk, None, filters, None)
                    records += result.records
                    biggest = max([biggest, *map(size, result.records)])
            except (WatchInputError, WatchStoreError) as exc:
                raise ToolError(str(exc)) from None
            note = None
            if size(records) > WATCH_ROOM:  # a few huge records: each cut to its share, and said so
                share = WATCH_ROOM // len(records)
                shrunk = [shrink(r, share) for r in records]
                records = [r for r, _ in shrunk]
                cut = sorted({name for _, names in shrunk for name in names})
                note = (
                    f"Records cut to fit {MAX_ANSWER_CHARS:,} characters ({', '.join(cut)}); get_* has all."
                )
            out: dict[str, Any] = {
                spec.name: records,
                "count": len(records),
                "remaining": result.remaining,
                "watcher": args.watcher,
                "cursor": result.cursor,
                "mode": service.mode(spec.name),
            }
            failure = service.hook_failures.get(spec.name)
            if note:
                out["note"] = note
            elif failure:
                out["note"] = f"Webhook not registered ({failure[:120]}): polling Paymo on every call."
            elif result.new_watcher and not records:
                out["note"] = (
                    f"New watcher: from now on, each call returns the {spec.plural_noun} created since."
                )
            return out

        narrowing = f" Filters: {', '.join(spec.watch_filters)}." if spec.watch_filters else ""
        return make_tool(
            name=f"watch_new_{spec.name}",
            description=(
                f"New {spec.plural_noun} since this watcher last asked, oldest first, each returned once."
                f"{narrowing}"
            ),
            input_model=args_model,
            input_schema=compact_schema(args_model.model_json_schema(), nullable=False),
            handler=handler,
            output_model=output,
            annotations=tool_hints(f"Watch new {spec.plural_noun}", read_only=True),
        )


def resource_tools(spec: ResourceSpec, *, read_only: bool = False) -> list[Tool]:
    """The tools of the operations the spec declares, in OPERATIONS order; writes not when read-only."""
    made = ResourceTools(spec)
    makers = {
        "list": made.list_tool,
        "get": made.get_tool,
        "watch": made.watch_tool,
        "create": made.create_tool,
        "update": made.update_tool,
        "delete": made.delete_tool,
    }
    return [makers[op]() for op in spec.ops if not (read_only and op in WRITES)]
