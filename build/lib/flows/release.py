"""Release flows and commands: build from an image folder, verify, publish a lock, export metadata."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from prefect import flow, get_run_logger, task

from core.errors import InksetError
from core.paths import check_writable, project_root, work_dirs
from core.versions import resolve_release
from flows.options import add_render_options
from preprocess.image_folder import (IMAGE_SUFFIXES, FolderOptions, folder_spec, plan_folder,
                                      render_file)
from preprocess.release import build_release
from preprocess.release.verify import check_release, verify_release
from share.publish import export_metadata_only, publish


@task
def build_folder_release(root: str, dataset: str, version: str, workers: int,
                         definition: dict | None = None, dask: str | None = None) -> str:
    options = FolderOptions.from_definition(definition or {})
    result = build_release(folder_spec(Path(root), dataset, version, options, definition),
                           plan_folder(Path(root), dataset, options), render_file,
                           releases_root=work_dirs().releases, workers=workers, dask=dask)
    return str(result.path)


@task
def verify(release: str) -> dict[str, int]:
    return verify_release(Path(release))


@flow(name="folder-release")
def folder_release_flow(root: str, dataset: str, version: str = "1", workers: int = 2,
                        definition: dict | None = None, dask: str | None = None) -> str:
    """Build a release from `<root>/<class>/<image>` and verify it (rendering on Dask if asked)."""
    path = build_folder_release(root, dataset, version, workers, definition, dask)
    counts = verify(path)
    get_run_logger().info("release %s verified: %s samples per split", path, counts)
    return path


def _verify_command(args: argparse.Namespace) -> int:
    if "/" not in args.release and not Path(args.release).exists():  # NAME or NAME@VERSION
        args.release = str(resolve_release(args.release))
    counts = verify_release(Path(args.release))  # VerificationError: one line, exit 1
    print(f"{args.release}: OK ({', '.join(f'{s}: {n}' for s, n in counts.items())} samples)")
    return 0


def _publish_command(args: argparse.Namespace) -> int:
    path = publish(Path(args.release), project_root() / "data_manifests" / "locks",
                   work_dirs().published, with_images=args.with_images)
    lock = json.loads(path.read_text())
    what = "metadata only (no images)" if lock["metadata_only"] else "with its shards"
    print(f"lock written: {path} ({what})")
    if args.url:  # the locked directory (the export, for metadata-only) goes to the store
        from flows.sharing import upload_locked

        return upload_locked(Path(args.release), lock, args.url, args.endpoint_url)
    return 0


def _metadata_command(args: argparse.Namespace) -> int:
    check_release(Path(args.release))
    check_writable(Path(args.out).parent)
    print(f"metadata-only release: {export_metadata_only(Path(args.release), Path(args.out))}")
    return 0


def _folder_command(args: argparse.Namespace) -> int:
    root = Path(args.root)
    if not root.is_dir() or not any(p.suffix.lower() in IMAGE_SUFFIXES for p in root.glob("*/*")):
        raise InksetError(f"{root} is {'not a folder' if not root.is_dir() else 'without images'}"
                          f"; expected <root>/<class>/<image> with {sorted(IMAGE_SUFFIXES)}")
    check_writable(work_dirs().releases)
    print(folder_release_flow(args.root, args.dataset, args.version, args.workers,
                              dask=args.dask))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("verify", help="recompute checksums and counts of a release")
    p.add_argument("release", help="releases/<dataset>/<version>, or NAME[@VERSION] "
                   "(NAME alone: releases/NAME/latest)")
    p.set_defaults(func=_verify_command)
    p = subparsers.add_parser("publish", help="verify a release and write its lock file "
                              "into data_manifests/locks/ (metadata-only releases: exported "
                              "without images into published/ first)")
    p.add_argument("release")
    p.add_argument("url", nargs="?", help="also copy it to this fsspec URL (file://, s3://, "
                   "gs://...): shards first, dataset.json last, resumable")
    p.add_argument("--endpoint-url", help="S3-compatible server (else AWS_ENDPOINT_URL)")
    p.add_argument("--with-images", action="store_true",
                   help="lock the shards even where the card says share = metadata-only")
    p.set_defaults(func=_publish_command)
    p = subparsers.add_parser("metadata-only", help="export a release without its images")
    p.add_argument("release")
    p.add_argument("out")
    p.set_defaults(func=_metadata_command)
    p = subparsers.add_parser("build-folder", help="a release from <root>/<class>/<image> files")
    p.add_argument("root")
    p.add_argument("--dataset", required=True)
    p.add_argument("--version", default="1")
    add_render_options(p)
    p.set_defaults(func=_folder_command)
