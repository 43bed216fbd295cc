"""Start and use the test S3 server (:mod:`tests.storage.s3server`) from tests and benchmarks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
#: Test credentials: moto accepts any; real clients must find some in the environment.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # never ask an instance metadata endpoint
}


@dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[str]

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")

    def bucket(self, name: str) -> str:
        client = self.client()
        with suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=name)
        return name

    def traffic(self, reset: bool = False) -> list[list[Any]]:
        path = "/_traffic/reset" if reset else "/_traffic"
        with urllib.request.urlopen(self.endpoint + path, timeout=30) as answer:
            found: list[list[Any]] = json.loads(answer.read())
        return found

    def lock_down(self) -> dict[str, dict[str, str]]:
        """Turn on moto's authentication for this server (for good: it is process-wide), with
        two IAM users: ``admin`` may do anything on S3, ``nolist`` may get and put objects but
        not list a bucket. Returns each user's environment credentials."""
        import boto3

        iam = boto3.client("iam", endpoint_url=self.endpoint, region_name="us-east-1")
        users = {}
        for user, actions in (("admin", ["s3:*"]), ("nolist", ["s3:GetObject", "s3:PutObject"])):
            iam.create_user(UserName=user)
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            policy = {"Version": "2012-10-17", "Statement": [statement]}
            iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps(policy))
            key = iam.create_access_key(UserName=user)["AccessKey"]
            users[user] = {
                "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
            }
        # moto answers 500 to a form-encoded body here: plain text it must be.
        request = urllib.request.Request(
            self.endpoint + "/moto-api/reset-auth",
            data=b"0",
            method="POST",
            headers={"Content-Type": "text/plain"},
        )
        urllib.request.urlopen(request, timeout=30).close()
        return users

    def location(self, url: str, **options: str) -> str:
        """A ``locations:`` entry of featurecat.yaml reaching ``url`` on this server."""
        extra = "".join(f"    {k}: {v}\n" for k, v in options.items())
        return f"    url: {url}\n    endpoint: {self.endpoint}\n    region: us-east-1\n{extra}"


@dataclass
class Locked:
    """An S3 server that checks credentials (:meth:`S3Server.lock_down`), and its users."""

    server: S3Server
    users: dict[str, dict[str, str]]


@contextmanager
def s3_server(latency_ms: float = 0) -> Iterator[S3Server]:
    """moto's S3 server in a child process on 127.0.0.1, with test credentials in the
    environment of this process (where every client looks for them); each response waits
    ``latency_ms`` before its first byte."""
    os.environ.update(CREDENTIALS)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.s3server"],
        env={**os.environ, "FEATURECAT_S3_LATENCY_MS": str(latency_ms)},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the S3 test server did not start (is moto[server] installed?)")
        yield S3Server(f"http://127.0.0.1:{int(line)}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)
