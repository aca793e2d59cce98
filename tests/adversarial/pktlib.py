"""Packet bytes for the adversarial captures: headers, checksums, a pcap writer.

SPDX-License-Identifier: GPL-2.0-or-later

Python standard library only (CI has no scapy). Every builder returns bytes;
addresses are given as strings ("192.0.2.10", "2001:db8::1") and packed here.
Checksums are computed unless the caller asks for a broken header on purpose.
"""
import socket
import struct

PROTO_IPIP, PROTO_TCP, PROTO_UDP, PROTO_IPV6, PROTO_GRE = 4, 6, 17, 41, 47
PROTO_ICMP, PROTO_ICMPV6 = 1, 58
ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ, ETH_TEB = 0x0800, 0x86DD, 0x8100, 0x88A8, 0x6558
EXT_HOP, EXT_ROUTING, EXT_FRAGMENT, EXT_DSTOPTS = 0, 43, 44, 60

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
MAC_A = bytes.fromhex("020000000c01")   # client-side next hop as the tap sees it
MAC_B = bytes.fromhex("020000000501")   # server-side next hop


def addr(text):
    """Packed address: 4 bytes for IPv4, 16 for IPv6."""
    return socket.inet_pton(socket.AF_INET6 if ":" in text else socket.AF_INET, text)


def is_v6(text):
    return ":" in text


def ones_sum(data, start=0):
    """Ones'-complement sum of 16-bit words, not yet inverted."""
    if len(data) % 2:
        data += b"\0"
    total = start + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def checksum(data, start=0):
    return (~ones_sum(data, start)) & 0xFFFF


def pseudo_header(src, dst, proto, length):
    s, d = addr(src), addr(dst)
    if len(s) == 4:
        return s + d + struct.pack("!BBH", 0, proto, length)
    return s + d + struct.pack("!IxxxB", length, proto)


# ---- transport ---------------------------------------------------------------

def tcp_options(*opts):
    """Options as (kind, value-bytes) pairs or raw bytes, NOP-padded to 4 bytes."""
    out = b""
    for o in opts:
        out += o if isinstance(o, bytes) else bytes([o[0], len(o[1]) + 2]) + o[1]
    return out + b"\x01" * (-len(out) % 4)


def opt_mss(v):
    return (2, struct.pack("!H", v))


def opt_wscale(v):
    return (3, bytes([v]))


OPT_SACK_OK = (4, b"")
SYN_OPTIONS = tcp_options(opt_mss(1460), OPT_SACK_OK, opt_wscale(7))


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", options=b"", window=64240,
        data_offset=None, tcp_checksum=None):
    """A TCP segment; data_offset (32-bit words) may be set to a wrong value on purpose."""
    off = data_offset if data_offset is not None else (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      off << 4, flags, window, 0, 0) + options
    seg = hdr + payload
    if tcp_checksum is None:
        tcp_checksum = checksum(seg, ones_sum(pseudo_header(src, dst, PROTO_TCP, len(seg))))
    return seg[:16] + struct.pack("!H", tcp_checksum) + seg[18:]


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    c = checksum(seg, ones_sum(pseudo_header(src, dst, PROTO_UDP, length))) or 0xFFFF
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp4(icmp_type, code, quoted, rest=b"\0\0\0\0"):
    """ICMP error carrying `quoted` (the offending IP header and leading bytes)."""
    msg = struct.pack("!BBH", icmp_type, code, 0) + rest + quoted
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def icmp6(src, dst, icmp_type, code, quoted, rest=b"\0\0\0\0"):
    msg = struct.pack("!BBH", icmp_type, code, 0) + rest + quoted
    c = checksum(msg, ones_sum(pseudo_header(src, dst, PROTO_ICMPV6, len(msg))))
    return msg[:2] + struct.pack("!H", c) + msg[4:]


# ---- network -----------------------------------------------------------------

def ipv4(src, dst, proto, payload, ident=0, ttl=64, dont_fragment=True, frag_offset=0,
         more_fragments=False, total_length=None):
    """IPv4 header + payload; frag_offset in bytes (a multiple of 8)."""
    flags = (0x4000 if dont_fragment else 0) | (0x2000 if more_fragments else 0)
    length = total_length if total_length is not None else 20 + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, length & 0xFFFF, ident & 0xFFFF,
                      flags | (frag_offset // 8), ttl, proto, 0, addr(src), addr(dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, next_header, payload, hop_limit=64, payload_length=None):
    length = payload_length if payload_length is not None else len(payload)
    return struct.pack("!IHBB16s16s", 6 << 28, length & 0xFFFF, next_header, hop_limit,
                       addr(src), addr(dst)) + payload


def ext_options(next_header, options):
    """Hop-by-hop or destination options header: options padded to 8n+6 with PadN."""
    pad = -(len(options) + 2) % 8
    if pad == 1:
        options += b"\x00"
    elif pad:
        options += bytes([1, pad - 2]) + b"\0" * (pad - 2)
    return bytes([next_header, (len(options) + 2) // 8 - 1]) + options


def ext_routing_srh(next_header, segments):
    """Segment routing header (type 4) for a packet that has visited every segment
    (segments left 0): the IPv6 destination is the last of `segments`."""
    body = b"".join(addr(s) for s in reversed(segments))
    return struct.pack("!BBBBBBH", next_header, len(body) // 8, 4, 0,
                       len(segments) - 1, 0, 0) + body


def ext_fragment(next_header, offset, more, ident):
    return struct.pack("!BBHI", next_header, 0, offset | (1 if more else 0), ident)


# ---- link and tunnels --------------------------------------------------------

def ethertype_of(ip_packet):
    return ETH_IPV6 if ip_packet[0] >> 4 == 6 else ETH_IPV4


def ether(payload, ethertype, to_server=True, vlans=()):
    """Ethernet frame; vlans is a list of (tpid, vlan id), outermost first."""
    dst, src = (MAC_B, MAC_A) if to_server else (MAC_A, MAC_B)
    tags = b""
    types = [tpid for tpid, _ in vlans] + [ethertype]
    for i, (_, vid) in enumerate(vlans):
        tags += struct.pack("!H", vid & 0xFFF) + struct.pack("!H", types[i + 1])
    return dst + src + struct.pack("!H", types[0]) + tags + payload


def gre(payload, protocol, key=None, sequence=None):
    flags = (0x2000 if key is not None else 0) | (0x1000 if sequence is not None else 0)
    out = struct.pack("!HH", flags, protocol)
    if key is not None:
        out += struct.pack("!I", key)
    if sequence is not None:
        out += struct.pack("!I", sequence)
    return out + payload


def vxlan(vni, inner_frame):
    return struct.pack("!BxxxI", 0x08, vni << 8) + inner_frame


# ---- pcap --------------------------------------------------------------------

class PcapWriter:
    """Classic pcap, microsecond timestamps, Ethernet link type."""
    HEADER = struct.Struct("<IHHiIII")
    RECORD = struct.Struct("<IIII")

    def __init__(self, path, snaplen=262144):
        self.f = open(path, "wb")
        self.snaplen = snaplen
        self.f.write(self.HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1))

    def write(self, t_us, frame, captured=None):
        """One record; `captured` cuts the frame like a snaplen would."""
        kept = frame[:captured] if captured is not None else frame[:self.snaplen]
        sec, usec = divmod(t_us, 1000000)
        self.f.write(self.RECORD.pack(sec, usec, len(kept), len(frame)))
        self.f.write(kept)

    def write_raw(self, data):
        self.f.write(data)

    def close(self):
        self.f.close()
