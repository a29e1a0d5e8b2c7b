"""kombu's ``filesystem://`` transport, with messages that survive a killed worker.

The stock transport deletes a message file as soon as a worker takes it; the message
then lives only in the worker's memory until it is acknowledged (``acks_late``). A
worker killed with SIGKILL or by the out-of-memory killer takes those messages with it.
Here a taken message is moved to an ``unacked`` folder and deleted on acknowledgement;
when a worker starts consuming a queue, whatever a dead worker left there goes back
into the queue. Tasks are idempotent, so a message run twice does no harm.

One worker per broker folder (what ``make run`` starts): a second consumer starting
would hand the first one's unacknowledged messages out again.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from kombu.transport import filesystem, virtual
from kombu.utils.json import loads


class QoS(virtual.QoS):
    def ack(self, delivery_tag: str) -> None:
        self.channel.forget_unacked(delivery_tag)  # type: ignore[attr-defined]
        super().ack(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unacked: dict[str, str] = {}
        self._recovered: set[str] = set()
        self._no_ack: set[str] = set()

    @property
    def unacked_folder(self) -> str:
        return str(self.transport_options.get("unacked_folder") or self.data_folder_in)

    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self._no_ack.add(queue)  # nobody will acknowledge: nothing to keep
        elif queue not in self._recovered:
            self._recovered.add(queue)
            self._recover(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue: str, no_ack: bool = False, **kwargs: Any) -> Any:
        message = super().basic_get(queue, no_ack=no_ack, **kwargs)
        if message is not None and no_ack:
            self.forget_unacked(message.delivery_tag)
        return message

    def _recover(self, queue: str) -> None:
        folder = self.unacked_folder
        if folder == self.data_folder_in:
            return
        for name in os.listdir(folder):
            if name.partition(".")[2] == f"{queue}.msg":
                try:
                    os.rename(os.path.join(folder, name), os.path.join(self.data_folder_in, name))
                except OSError:
                    continue

    def _get(self, queue: str, timeout: float | None = None) -> Any:
        folder = self.unacked_folder
        if folder == self.data_folder_in:
            return super()._get(queue)
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != f"{queue}.msg":
                continue
            taken = os.path.join(folder, name)
            try:
                # rename is atomic: of two consumers, one gets the file.
                os.rename(os.path.join(self.data_folder_in, name), taken)
            except OSError:
                continue
            with open(taken, "rb") as f:
                payload = loads(f.read())
            tag = payload.get("properties", {}).get("delivery_tag")
            if tag and queue not in self._no_ack:
                self._unacked[tag] = taken
            else:
                os.remove(taken)
            return payload
        raise virtual.Empty()

    def _restore(self, message: Any) -> None:
        # Rejected with requeue, or given back at a clean shutdown: a new file in the
        # queue replaces the one in the unacked folder.
        super()._restore(message)
        self.forget_unacked(message.delivery_tag)

    def forget_unacked(self, delivery_tag: str | None) -> None:
        path = self._unacked.pop(delivery_tag, None) if delivery_tag else None
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


class Transport(filesystem.Transport):
    Channel = Channel
