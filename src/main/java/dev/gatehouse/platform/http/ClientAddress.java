package dev.gatehouse.platform.http;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * The address of the client behind the reverse proxies Gatehouse is told to trust ({@code GATEHOUSE_TRUSTED_PROXIES},
 * ADR 0018). Rate limits, audit events, sessions and logs all use the request's remote address; behind a load
 * balancer that is the balancer's, so every user would share one rate-limit bucket and one audited address. When the
 * TCP peer is a trusted proxy, the client is the right-most {@code X-Forwarded-For} entry that is not one: each trusted
 * proxy appends the address it received from, so entries to the left of the first untrusted one are the client's own
 * say and are never believed. Trusting nothing (the default) ignores the header.
 */
public final class ClientAddress {
    /** What an address pattern may contain: IP literals, CIDR prefixes and ranges; never a host name (no DNS). */
    private static final Pattern PATTERN = Pattern.compile("[0-9A-Fa-f:.]+(/[0-9]{1,3}|-[0-9A-Fa-f:.]+)?");

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    /** How many forwarded hops are looked at, from the right; a longer chain is someone's invention. */
    private static final int MAX_HOPS = 20;

    private final InetAddressSet trusted = new InetAddressSet();

    private ClientAddress() {}

    /** Trusting the proxies {@code patterns} name: IP addresses, CIDR prefixes ({@code 10.0.0.0/8}) or ranges. */
    public static ClientAddress trusting(List<String> patterns) {
        var a = new ClientAddress();
        for (String p : patterns) {
            String s = p.trim();
            if (!PATTERN.matcher(s).matches())
                throw new IllegalArgumentException("not an IP address, CIDR prefix or range: " + s);
            try {
                a.trusted.add(s);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("not an IP address, CIDR prefix or range: " + s, e);
            }
        }
        return a;
    }

    public boolean trustsAny() {
        return !trusted.isEmpty();
    }

    /**
     * The client's address: {@code peer}, or, when {@code peer} is a trusted proxy, the right-most address of the
     * {@code X-Forwarded-For} values (in header order) that is not a trusted proxy; the left-most when all are. A
     * malformed entry ends the walk at the last trusted hop before it.
     */
    public InetAddress of(InetAddress peer, List<String> forwardedFor) {
        if (!trusted.test(peer)) return peer;
        var hops = new ArrayList<String>();
        for (String value : forwardedFor) {
            for (String hop : value.split(",", -1)) hops.add(hop.trim());
        }
        InetAddress client = peer;
        for (int i = hops.size() - 1, seen = 0; i >= 0 && seen < MAX_HOPS; i--, seen++) {
            InetAddress hop = literal(hops.get(i));
            if (hop == null) return client;
            client = hop;
            if (!trusted.test(hop)) return hop;
        }
        return client;
    }

    /** {@code request} as coming from its client, when a trusted proxy forwarded it; else {@code request} itself. */
    Request resolve(Request request) {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        if (!(remote instanceof InetSocketAddress peer) || peer.getAddress() == null) return request;
        InetAddress client = of(peer.getAddress(), request.getHeaders().getValuesList("X-Forwarded-For"));
        if (client.equals(peer.getAddress())) return request;
        var forwarded = new InetSocketAddress(client, peer.getPort());
        var meta = new ConnectionMetaData.Wrapper(request.getConnectionMetaData()) {
            @Override
            public SocketAddress getRemoteSocketAddress() {
                return forwarded;
            }
        };
        return new Request.Wrapper(request) {
            @Override
            public ConnectionMetaData getConnectionMetaData() {
                return meta;
            }
        };
    }

    /**
     * The address a per-address rate limit counts {@code ip} under: an IPv6 address by its /64 prefix, since one
     * subscriber or host is handed a whole /64 and could otherwise pick a fresh address, and a fresh budget, for every
     * call; an IPv4 address (an IPv4-mapped IPv6 one included) as itself. Audit records and sessions keep the full
     * address.
     */
    static String rateLimitKey(String ip) {
        InetAddress a = literal(ip); // an IPv4-mapped address comes back as the IPv4 address
        if (!(a instanceof Inet6Address)) return a == null ? ip : a.getHostAddress();
        byte[] prefix = a.getAddress(); // a copy, without a zone (%eth0)
        java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix).getHostAddress() + "/64";
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // 16 bytes are always an address
        }
    }

    /** An IP literal, bare, bracketed or with a port; null for anything else (a name is never looked up). */
    static InetAddress literal(String hop) {
        String s = hop;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) return null;
            s = s.substring(1, end);
        } else if (s.indexOf(':') > 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            s = s.substring(0, s.indexOf(':')); // IPv4 with a port
        }
        boolean v4 = IPV4.matcher(s).matches();
        if (!v4 && !(s.contains(":") && IPV6.matcher(s).matches())) return null;
        try {
            return InetAddress.getByName(s); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
