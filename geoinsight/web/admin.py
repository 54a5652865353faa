"""The beheerder's pages: data (upload and ingest files, what is loaded, remove a source) and
users (add, roles, password, tokens, remove). Everyone else gets the very answer an unknown
address gets, whatever the method.

``POST /admin/ingest`` (multipart: ``file``, ``kind`` and the CLI's options of that kind as
fields) streams the upload to ``<data dir>/uploads/`` (at most ``ingest_max_upload_bytes``,
else 413) and answers ``202 {"job": id}``; the ingest runs in the background
(:mod:`geoinsight.usecases.ingest_jobs`) and ``GET /admin/jobs/<id>`` says how far it is.
Every change is written to the audit log.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.utils import secure_filename

from geoinsight.errors import BadRequest, GeoInsightError
from geoinsight.i18n import TEXTS, text
from geoinsight.privacy.access import ROLES
from geoinsight.privacy.audit import Read
from geoinsight.usecases.data_admin import data_overview, remove_source
from geoinsight.usecases.ingest_file import KINDS, OPTIONS, parse_options
from geoinsight.usecases.ingest_jobs import JobLog, JobRunner, open_job_log, uploads_dir
from geoinsight.web.auth import accounts_of
from geoinsight.web.context import lang, principal, remembered, state

bp = Blueprint("admin", __name__, url_prefix="/admin")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def register(app: Flask) -> None:
    app.register_blueprint(bp)


def upload_limit() -> None:
    """A beheerder's ingest upload may be larger than the app's limit for other requests (set
    once the principal is known, before the CSRF check reads the body)."""
    if (request.method == "POST" and request.path == url_for("admin.ingest")
            and principal().has_role("beheerder")):
        request.max_content_length = state().settings.ingest_max_upload_bytes


@bp.before_request
def _beheerder_only() -> None:
    """Others get the very answer an unknown address gets."""
    if not principal().has_role("beheerder"):
        raise NotFound()


def _route(rule: str, *methods: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A route that answers every method, so that only the beheerder learns (405) which ones
    it takes: to anyone else it is an unknown address (404), whatever the method."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        def checked(**kwargs: Any) -> Any:
            if request.method not in methods:
                raise MethodNotAllowed(valid_methods=list(methods))
            return view(**kwargs)

        checked.__name__ = view.__name__
        checked.__doc__ = view.__doc__
        bp.add_url_rule(rule, view.__name__, checked, methods=_METHODS)
        return view

    return wrap


def _jobs() -> tuple[JobLog, JobRunner]:
    """This process's job log and ingest thread (made on first use)."""
    jobs = current_app.extensions.get("geoinsight.jobs")
    if jobs is None:
        from geoinsight.usecases.ingest_jobs import runner_for

        settings = state().settings
        log = open_job_log(settings)
        jobs = (log, runner_for(settings, log))
        current_app.extensions["geoinsight.jobs"] = jobs
    return jobs


def _audit(what: str) -> None:
    state().audit.record(principal().name or "anonymous", f"{request.method} {request.path}",
                         request.remote_addr or "", [Read(what, "admin")])


# -- data -------------------------------------------------------------------------------------


@_route("", "GET")
def data(error: GeoInsightError | None = None) -> str:
    overview = remembered("data overview", (), lambda: data_overview(state().settings))
    log, _ = _jobs()
    removed = request.args.get("removed", type=int)
    return render_template("admin/data.html", overview=overview, jobs=log.recent(),
                           kinds=KINDS, options=OPTIONS, error=error,
                           max_bytes=state().settings.ingest_max_upload_bytes,
                           removed=next((e for e in overview.ingests if e.id == removed), None))


@_route("/ingest", "POST")
def ingest() -> tuple[Response, int, dict[str, str]]:
    kind = request.form.get("kind", "")
    fields = {k: request.form.getlist(k) for k in request.form if k not in ("kind",
                                                                            "csrf_token")}
    options = parse_options(kind, fields)
    upload = request.files.get("file")
    name = secure_filename(upload.filename or "") if upload is not None else ""
    if upload is None or not name:
        raise BadRequest("send the file in the form field 'file'", code="no_file")
    folder = uploads_dir(state().settings) / secrets.token_urlsafe(12)
    try:
        folder.mkdir(parents=True)
        target = folder / name
        upload.save(target)
    except OSError as exc:
        raise GeoInsightError(f"cannot keep the upload: {exc.strerror}", code="upload_failed",
                              status=507) from exc
    log, runner = _jobs()
    job_id = log.create(kind, name, target.stat().st_size, principal().name or "", options)
    _audit(f"ingest {kind} {name} (job {job_id})")
    runner.submit(job_id, kind, target, options)
    url = url_for("admin.job", job_id=job_id)
    return jsonify({"job": job_id, "url": url}), 202, {"Location": url}


@_route("/jobs/<job_id>", "GET")
def job(job_id: str) -> Response:
    found = _jobs()[0].get(job_id)
    if found is None:
        raise NotFound()
    body = found.as_json()
    if found.rejects_file:
        body["rejects_url"] = url_for("admin.job_rejects", job_id=job_id)
    return jsonify(body)


@_route("/jobs/<job_id>/rejects.csv", "GET")
def job_rejects(job_id: str) -> Response:
    found = _jobs()[0].get(job_id)
    if found is None or not found.rejects_file:
        raise NotFound()
    return send_file(found.rejects_file, mimetype="text/csv", as_attachment=True,
                     download_name=f"{found.file}-rejects.csv", max_age=0)


@_route("/ingests/<int:ingest_id>/remove", "POST")
def remove(ingest_id: int) -> ResponseReturnValue:
    try:
        outcome = remove_source(state().settings, ingest_id)
    except GeoInsightError as exc:
        if _wants_json():
            raise
        return data(error=exc), exc.status
    removal = outcome.removal
    _audit(removal.summary())
    if _wants_json():
        return jsonify({"removed": removal.ingest_id, "log_id": removal.log_id,
                        "rows": removal.rows, "summary": removal.summary(),
                        "recomputed": outcome.recomputed.summary()
                        if outcome.recomputed else None})
    return redirect(url_for("admin.data", removed=removal.ingest_id), 303)


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json")


# -- users ------------------------------------------------------------------------------------


@_route("/users", "GET")
def users(error: GeoInsightError | None = None) -> str:
    return render_template("admin/users.html", users=accounts_of(current_app).list_users(),
                           roles=ROLES, done=request.args.get("done", ""),
                           name=request.args.get("name", ""), error=error,
                           error_text=_error_text(error))


def _error_text(error: GeoInsightError | None) -> tuple[str, str] | None:
    """(text, its language): the catalogue's sentence for the refusal, else the server's
    own (English) line."""
    if error is None:
        return None
    key = f"error_{error.code}"
    if key in TEXTS.get(lang(), {}):
        return text(lang(), key), lang()
    return error.message, "en"


def _user_change(action: str, name: str, change: Callable[[], str]) -> ResponseReturnValue:
    """Make a change to the accounts; audit it and show the users page with what was done,
    or the page again with why not."""
    try:
        audit_text = change()
    except GeoInsightError as exc:
        if _wants_json():
            raise
        return users(error=exc), exc.status
    _audit(audit_text)
    if _wants_json():
        return jsonify({"done": action, "name": name})
    return redirect(url_for("admin.users", done=action, name=name), 303)


@_route("/users/add", "POST")
def user_add() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()
    roles = request.form.getlist("role")

    def add() -> str:
        accounts = accounts_of(current_app)
        accounts.check_new_user(name, roles)
        accounts.add_user(name, roles, request.form.get("password", ""))
        return f"user added: {name} ({', '.join(sorted(set(roles)))})"

    return _user_change("added", name, add)


@_route("/users/<name>/roles", "POST")
def user_roles(name: str) -> ResponseReturnValue:
    roles = request.form.getlist("role")

    def change() -> str:
        _keep_a_beheerder(name, "beheerder" in roles)
        accounts_of(current_app).set_roles(name, roles)
        return f"roles of {name}: {', '.join(sorted(set(roles)))} (sessions ended)"

    return _user_change("roles", name, change)


@_route("/users/<name>/password", "POST")
def user_password(name: str) -> ResponseReturnValue:
    def change() -> str:
        accounts_of(current_app).set_password(name, request.form.get("password", ""))
        return f"password set, sessions ended: {name}"

    return _user_change("password", name, change)


@_route("/users/<name>/tokens", "POST")
def user_tokens(name: str) -> ResponseReturnValue:
    def change() -> str:
        return f"API tokens revoked: {name} ({accounts_of(current_app).revoke_tokens(name)})"

    return _user_change("tokens", name, change)


@_route("/users/<name>/unlock", "POST")
def user_unlock(name: str) -> ResponseReturnValue:
    def change() -> str:
        accounts_of(current_app).unlock(name)
        return f"name unlocked: {name}"

    return _user_change("unlocked", name, change)


@_route("/users/<name>/remove", "POST")
def user_remove(name: str) -> ResponseReturnValue:
    def change() -> str:
        _keep_a_beheerder(name, False)
        accounts_of(current_app).remove_user(name)
        return f"user removed: {name} (with their API tokens and sessions)"

    return _user_change("removed", name, change)


def _keep_a_beheerder(name: str, stays_beheerder: bool) -> None:
    """Nobody takes the last beheerder away, nor their own beheerder role: that would lock
    the organisation out of this page."""
    if stays_beheerder:
        return
    if name.lower() == (principal().name or "").lower():
        raise BadRequest("you cannot take your own beheerder role away: ask another beheerder",
                         code="own_role")
    others = [u for u in accounts_of(current_app).list_users()
              if "beheerder" in u["roles"] and u["name"].lower() != name.lower()
              and not u["disabled"]]
    if not others:
        raise BadRequest("this is the last beheerder: make another user beheerder first",
                         code="last_beheerder")
