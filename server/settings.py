"""One settings object, read from the environment (PARLEY_*) and overridable by CLI options."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Everything a Parley process needs to know; every field maps to PARLEY_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="PARLEY_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    public_url: str = ""  # how browsers reach this server; default http://localhost:<port>
    data_dir: Path = REPO_ROOT / "data"
    database_url: str = ""  # default: SQLite file in data_dir
    broker_url: str = "memory://"
    files_url: str = ""  # where uploaded bytes live: default a folder in data_dir (file://); postgresql:// to share
    max_upload_mb: int = Field(25, ge=1, le=2048)  # the server's cap on one upload, above every site's own limit
    bundle_dir: Path = REPO_ROOT / "build" / "bundle"
    secret_key: str = ""  # signs cookies; default: generated once and kept in data_dir
    ws_compression: bool = False  # per-message deflate costs ~64 KiB per socket
    access_token_ttl: int = Field(900, gt=0)  # seconds
    refresh_token_ttl: int = Field(30 * 86400, gt=0)
    presence_ttl: int = Field(30, gt=1)  # seconds without heartbeat before a device fades out
    max_frame_bytes: int = Field(16384, gt=256)
    max_group_members: int = Field(50, ge=2)  # the product rule; benchmarks raise it for big fan-outs
    max_frames_per_second: float = Field(50.0, gt=0)  # per connection, sustained (burst: 2 s worth)
    max_queue_frames: int = Field(256, gt=0)  # output frames waiting for one socket before it is closed (4009)
    max_queue_bytes: int = Field(1 << 20, gt=0)  # output characters waiting for one socket, likewise
    bench_fanout_log: str = ""  # benchmarks only: a file the relay appends fan-out timings to
    gc_freeze: bool = True  # keep the cycle collector off long-lived objects (server/gc_freeze.py)
    bench_stall_log: str = ""  # benchmarks only: a file this process appends its GCs and event-loop stalls to
    insight_flush_s: float = Field(5.0, gt=0)  # how often each process adds its insight counts to the store
    insight_retention_days: int = Field(400, ge=1)  # insight aggregates older than this are deleted
    metrics_enabled: bool = False  # serve /metrics (Prometheus text format) for operators
    metrics_token: str = ""  # if set, /metrics wants "Authorization: Bearer <token>"
    secure_cookies: bool | None = None  # None (unset): Secure exactly when public_url is https; true/false forces it

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if scheme not in ("memory", "redis", "rediss"):
            raise ValueError(f"unsupported broker URL scheme {scheme!r}: use memory:// or redis://")
        return value

    @field_validator("files_url")
    @classmethod
    def _known_files_store(cls, value: str) -> str:
        scheme = value.split("://", 1)[0]
        if value and scheme not in ("file", "postgresql", "postgres", "postgresql+asyncpg"):
            raise ValueError(f"unsupported files URL scheme {scheme!r}: use file:// or postgresql://")
        return value

    @property
    def cookies_secure(self) -> bool:
        """Whether Parley's cookies carry `Secure`: the explicit `secure_cookies`, else an https public URL."""
        if self.secure_cookies is not None:
            return self.secure_cookies
        return self.public_url.startswith("https://")

    def resolved(self) -> Settings:
        """Fill the defaults that depend on other fields (public URL, database, secret)."""
        data = self.model_copy()
        if not data.public_url:
            data.public_url = f"http://localhost:{data.port}"
        if not data.database_url:
            data.database_url = f"sqlite+aiosqlite:///{data.data_dir / 'parley.sqlite3'}"
        if not data.files_url:
            data.files_url = (data.data_dir / "files").resolve().as_uri()
        if not data.secret_key:
            data.data_dir.mkdir(parents=True, exist_ok=True)
            key_file = data.data_dir / "secret.key"
            if not key_file.exists():
                key_file.write_text(secrets.token_urlsafe(48))
                key_file.chmod(0o600)
            data.secret_key = key_file.read_text().strip()
        return data
