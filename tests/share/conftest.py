"""A loopback S3-compatible server (moto) with dummy keys, and a small release to share."""
from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path

import pytest

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from replicas.shapes import generate_shapes

# dummy keys set here: the tests never read credentials from the environment
DUMMY = {"AWS_ACCESS_KEY_ID": "inkset-test-key", "AWS_SECRET_ACCESS_KEY": "inkset-test-secret",
         "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_server():
    """Start moto's S3 server on 127.0.0.1 (a free port); yield its endpoint URL; stop it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    saved = {name: os.environ.get(name) for name in [*DUMMY, "AWS_ENDPOINT_URL",
                                                     "AWS_PROFILE", "AWS_SESSION_TOKEN"]}
    os.environ.update(DUMMY, AWS_ENDPOINT_URL=f"http://{host}:{port}")
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def bucket(s3_server):
    """A fresh bucket per test: s3://<name>."""
    import s3fs

    name = f"inkset-{uuid.uuid4().hex[:12]}"
    fs = s3fs.S3FileSystem(client_kwargs={"endpoint_url": s3_server})
    fs.mkdir(name)
    fs.invalidate_cache()
    return f"s3://{name}"


@pytest.fixture(scope="session")
def shapes_folder(tmp_path_factory) -> Path:
    """A small image folder: 4 classes x 6 shapes."""
    folder = tmp_path_factory.mktemp("shapes") / "shapes"
    generate_shapes(folder, per_class=6, seed=3)
    return folder


@pytest.fixture(scope="session")
def shapes_release(shapes_folder, tmp_path_factory) -> Path:
    """A small full release (4 classes x 6 shapes, 48 px), built once."""
    folder = shapes_folder
    options = FolderOptions(size=(48, 48))
    spec = folder_spec(folder, "shapes", "1", options)
    return build_release(spec, plan_folder(folder, "shapes", options), render_file,
                         releases_root=tmp_path_factory.mktemp("releases"), progress=False).path
