"""The ``ActivityTasks`` port: Step Functions activity tasks, polled and answered by ``bff worker`` in AWS.

Each task state of ``infra/order-workflow.asl.json`` is an activity; a worker polls it (``GetActivityTask``
long-polls up to a minute), runs the same step the embedded worker runs, and answers ``SendTaskSuccess`` with
the step's output, or ``SendTaskFailure`` with the error name the state's ``Retry``/``Catch`` match
(``StepTransient`` for a retryable failure).
"""

from __future__ import annotations

import json
from contextlib import AsyncExitStack
from typing import Any, Protocol, runtime_checkable

from botocore.exceptions import BotoCoreError, ClientError

from bff.backends.ports import PortSpec
from bff.errors import ServiceUnavailable

# Step Functions caps an error name at 256 characters and a cause at 32,768.
MAX_ERROR, MAX_CAUSE = 256, 32_768


@runtime_checkable
class ActivityTasks(Protocol):
    async def poll(self, step: str, worker: str) -> tuple[str, dict[str, Any]] | None:
        """The next task of ``step``'s activity as (task token, input), or None when none came."""

    async def succeed(self, token: str, output: dict[str, Any]) -> None: ...

    async def fail(self, token: str, error: str, cause: str) -> None: ...

    async def heartbeat(self, token: str) -> None: ...

    async def close(self) -> None: ...


ACTIVITIES: PortSpec[ActivityTasks] = PortSpec(ActivityTasks, "order_activities", idempotent=("heartbeat",))


class StepFunctionsActivities:
    """The ``ActivityTasks`` port over the Step Functions API; ``arns`` maps each step to its activity."""

    def __init__(self, client: Any, arns: dict[str, str], stack: AsyncExitStack | None = None) -> None:
        self.client = client
        self.arns = arns
        self._stack = stack

    @classmethod
    async def open(cls, arns: dict[str, str], region: str, endpoint_url: str | None) -> StepFunctionsActivities:
        import aioboto3
        from botocore.config import Config

        stack = AsyncExitStack()
        # A poll is held open by the service for up to 60 s.
        config = Config(read_timeout=70, retries={"mode": "standard", "max_attempts": 3})
        client = await stack.enter_async_context(
            aioboto3.Session().client("stepfunctions", region_name=region, endpoint_url=endpoint_url, config=config)
        )
        return cls(client, arns, stack)

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()

    async def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response: dict[str, Any] = await getattr(self.client, operation)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise ServiceUnavailable(f"step functions {operation} failed", service="order_activities") from exc
        return response

    async def poll(self, step: str, worker: str) -> tuple[str, dict[str, Any]] | None:
        response = await self._call("get_activity_task", activityArn=self.arns[step], workerName=worker[:80])
        token = response.get("taskToken")
        if not token:
            return None
        return token, json.loads(response.get("input") or "{}")

    async def succeed(self, token: str, output: dict[str, Any]) -> None:
        await self._call("send_task_success", taskToken=token, output=json.dumps(output))

    async def fail(self, token: str, error: str, cause: str) -> None:
        await self._call("send_task_failure", taskToken=token, error=error[:MAX_ERROR], cause=cause[:MAX_CAUSE])

    async def heartbeat(self, token: str) -> None:
        await self._call("send_task_heartbeat", taskToken=token)
