using System.Net;
using System.Net.Sockets;

namespace Gale.Testing;

/// <summary>Free TCP ports on the loopback interface, for servers a test starts.</summary>
public static class LoopbackPort
{
    /// <summary>A port nothing listens on right now (the system picks it).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
