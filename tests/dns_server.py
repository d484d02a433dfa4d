"""A local stand-in for DNS, for the email checks: a UDP server on 127.0.0.1 answering from a table
{(name, type): [record, …]}, with no records for another type of a name it has, NXDOMAIN for a name it has
not, and no answer at all for a silent name."""

import socket
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

Records = dict[tuple[str, str], list[str]]


class DnsServer:
    def __init__(self, records: Records, *, silent: Collection[str] = ()) -> None:
        self.records = records
        self.silent = set(silent)
        self.queries: list[tuple[str, str]] = []
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.05)
        self.address = f"127.0.0.1:{self.socket.getsockname()[1]}"
        self._stop = threading.Event()

    def serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, client = self.socket.recvfrom(65535)
            except TimeoutError:
                continue
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:
                continue
            response = self.answer(query)
            if response is not None:
                self.socket.sendto(response.to_wire(), client)

    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.RA
        if found := self.records.get((name, rdtype)):
            response.answer.append(
                dns.rrset.from_text_list(question.name, 300, dns.rdataclass.IN, question.rdtype, found)
            )
        elif all(known != name for known, _type in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response

    def stop(self) -> None:
        self._stop.set()


@contextmanager
def running_dns_server(records: Records, *, silent: Collection[str] = ()) -> Iterator[DnsServer]:
    server = DnsServer(records, silent=silent)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join()
        server.socket.close()
