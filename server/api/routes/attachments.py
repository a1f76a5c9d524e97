"""HEAD, PUT and GET /attachments/{sha256}: evidence files, content-addressed and resumable.

The rules (who sees what, offsets, types, storing once) are in :mod:`server.services.attachments`;
these handlers parse headers, stream the body off the event loop, and shape the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, Header, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from server.api.deps import (
    CurrentPrincipal,
    EngineDep,
    SettingsDep,
)
from server.api.errors import error_responses
from server.api.uploads import ChunkReceiver, check_chunk_shape, parse_content_range
from server.blobs import blob_store
from server.db.tx import in_read_tx, in_write_tx
from server.errors import ServerError
from server.metrics import UPLOAD_BYTES
from server.services import attachments as svc
from server.services.attachments import parse_sha256
from server.storage import BlobStore
from shared_schema.errors import ErrorCode

router = APIRouter(tags=["attachments"])
log = logging.getLogger("dkst.server")

_READ_BLOCK = 256 * 1024


def get_blobs(settings: SettingsDep) -> BlobStore:
    return blob_store(settings)


BlobsDep = Annotated[BlobStore, Depends(get_blobs)]

_OFFSET = {
    "Upload-Offset": {
        "description": "Bytes of the file the server holds",
        "schema": {"type": "integer"},
    }
}
_COMPLETE = {
    "Upload-Complete": {
        "description": "`?1` when the whole file is stored, `?0` while it is partial",
        "schema": {"type": "string", "enum": ["?0", "?1"]},
    }
}
_LENGTH = {"Content-Length": {"description": "The file's size", "schema": {"type": "integer"}}}
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _upload_headers(offset: int, complete: bool) -> dict[str, str]:
    return {"Upload-Offset": str(offset), "Upload-Complete": "?1" if complete else "?0"}


@router.head(
    "/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "Complete: `Content-Length` and `Upload-Complete: ?1`. "
            "Partial (your upload in progress): `Upload-Offset` and `Upload-Complete: ?0`.",
            "headers": {**_LENGTH, **_OFFSET, **_COMPLETE},
        },
        **error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
    },
    summary="How much of a file the server holds; 404 if unknown or not visible to you",
)
async def head_attachment(
    sha256: str, who: CurrentPrincipal, engine: EngineDep, blobs: BlobsDep
) -> Response:
    state = await in_read_tx(engine, svc.file_state, blobs, who, parse_sha256(sha256))
    if state is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    if state.complete:
        headers = {
            "Content-Length": str(state.size),
            "Content-Type": state.media_type,
            **_upload_headers(state.size, True),
        }
        return Response(status_code=200, headers=headers)
    return Response(status_code=200, headers=_upload_headers(state.offset, False))


@router.put(
    "/attachments/{sha256}",
    status_code=204,
    response_class=Response,
    responses={
        200: {
            "description": "The file is already complete and visible to you; nothing was written",
            "headers": {**_OFFSET, **_COMPLETE},
        },
        201: {
            "description": "The last chunk: the whole file arrived and its SHA-256 matches",
            "headers": {**_OFFSET, **_COMPLETE},
        },
        204: {
            "description": "Chunk accepted; continue at `Upload-Offset`",
            "headers": {**_OFFSET, **_COMPLETE},
        },
        **error_responses(
            ErrorCode.INVALID_REQUEST,
            ErrorCode.UNAUTHORIZED,
            ErrorCode.NOT_FOUND,
            ErrorCode.OFFSET_MISMATCH,
            ErrorCode.FILE_TOO_LARGE,
            ErrorCode.BODY_TOO_LARGE,
            ErrorCode.UNSUPPORTED_MEDIA_TYPE,
            ErrorCode.HASH_MISMATCH,
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The bytes `Content-Range` names; `Content-Type` the file's type "
            "(checked against the first bytes on the first chunk).",
            "content": {
                "application/octet-stream": _BINARY,
                **{t: _BINARY for t in svc.STORED_MEDIA_TYPES},
            },
        }
    },
    summary="Upload a file, or the next chunk of it (Content-Range: bytes start-end/total)",
)
async def put_attachment(
    sha256: str,
    request: Request,
    who: CurrentPrincipal,
    engine: EngineDep,
    settings: SettingsDep,
    blobs: BlobsDep,
    content_range: Annotated[
        str | None,
        Header(description="`bytes <start>-<end>/<total>`: where this chunk lies in the file"),
    ] = None,
) -> Response:
    # Not ReadConn/WriteConn: the body is read between two short transactions, and a write
    # transaction held while a slow phone sends 25 MiB would block every other writer.
    sha = parse_sha256(sha256)
    rng = parse_content_range(content_range)
    check_chunk_shape(
        rng, request.headers.get("content-length"), request.headers.get("content-encoding")
    )
    early = await in_read_tx(engine, svc.precheck_put, blobs, who, sha, rng)
    if early is not None:  # complete and visible: nothing to write, the body is not read
        return Response(status_code=200, headers=_upload_headers(early.offset, True))
    if rng.start == 0:
        svc.check_declared_type(request.headers.get("content-type"))

    receiver = await run_in_threadpool(
        ChunkReceiver,
        settings.attachments_dir / "tmp",
        rng,
        content_type=request.headers.get("content-type"),
        content_encoding=request.headers.get("content-encoding"),
        max_file_bytes=settings.max_file_bytes,
    )
    try:
        async for piece in request.stream():
            if piece:
                await run_in_threadpool(receiver.feed, piece)
        chunk = await run_in_threadpool(receiver.finish)
        result = await in_write_tx(
            engine, svc.commit_chunk, blobs, who, sha, rng, chunk, receiver.media_type
        )
    finally:
        await run_in_threadpool(receiver.close)

    if result.status in (svc.PutStatus.ACCEPTED, svc.PutStatus.CREATED):
        UPLOAD_BYTES.inc(rng.length)
    if result.status is svc.PutStatus.HASH_MISMATCH:
        raise ServerError(ErrorCode.HASH_MISMATCH, {"sha256": sha})
    if result.status is svc.PutStatus.ACCEPTED:
        return Response(status_code=204, headers=_upload_headers(result.offset, False))
    status = 201 if result.status is svc.PutStatus.CREATED else 200
    headers = _upload_headers(result.offset, True)
    if status == 201:
        headers["Location"] = str(request.url.path)
    return Response(status_code=status, headers=headers)


@router.get(
    "/attachments/{sha256}",
    response_class=Response,
    responses={
        200: {
            "description": "The file's bytes, with the type it was stored as",
            "content": {t: _BINARY for t in svc.STORED_MEDIA_TYPES},
            "headers": _LENGTH,
        },
        307: {
            "description": "Only where the server is set to (DKST_BLOB_PRESIGN_SECONDS): the "
            "file at a short-lived signed URL of the object store",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **error_responses(ErrorCode.UNAUTHORIZED, ErrorCode.NOT_FOUND),
    },
    summary="Download a complete file visible to you",
)
async def get_attachment(
    sha256: str, who: CurrentPrincipal, engine: EngineDep, settings: SettingsDep, blobs: BlobsDep
) -> Response:
    sha = parse_sha256(sha256)
    found = await in_read_tx(engine, svc.readable_file, who, sha)
    if found is None:
        raise ServerError(ErrorCode.NOT_FOUND)
    media_type, size = found
    if settings.blob_presign_seconds > 0:
        seconds = settings.blob_presign_seconds
        url = await run_in_threadpool(blobs.presigned_url, sha, media_type, seconds)
        if url is not None:  # the bucket serves the bytes; the API only said who may have them
            return Response(
                status_code=307, headers={"Location": url, "Cache-Control": "private, no-store"}
            )
    try:
        f = await run_in_threadpool(blobs.open_blob, sha)
    except FileNotFoundError:
        log.error("attachment %s is recorded complete but missing from the store", sha)
        raise ServerError(ErrorCode.NOT_FOUND) from None
    headers = {"Content-Length": str(size), "ETag": f'"{sha}"', "Cache-Control": "private"}
    return StreamingResponse(_blocks(f), media_type=media_type, headers=headers)


def _blocks(f: BinaryIO) -> Iterator[bytes]:
    # A sync iterator: Starlette runs it in the thread pool, off the event loop.
    try:
        while block := f.read(_READ_BLOCK):
            yield block
    finally:
        f.close()
