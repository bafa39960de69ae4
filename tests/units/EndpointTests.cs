using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading;
using Multiproc.Ipc;
using Xunit;

namespace Multiproc.Tests;

[Collection(SessionCollection.Name)]
public sealed class EndpointTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("multiproc-test-").FullName;
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_sessions_private_directory_is_for_its_owner_only_and_goes_with_the_session()
    {
        if (OperatingSystem.IsWindows()) return;
        var directory = Session.Current.PrivateDirectory;
        try
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(directory));
        }
        finally { Session.EndCurrent(); }
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_client_that_proves_the_secret_is_accepted_and_frames_cross()
    {
        using var received = new ManualResetEventSlim();
        Frame? got = null;
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, accepted =>
        {
            got = accepted.ReadOne();
            received.Set();
        });

        using var client = Connection.Connect(endpoint.Path, _secret);
        client.Send(FrameType.Output, new byte[] { 42 });

        Assert.True(received.Wait(TimeSpan.FromSeconds(10)));
        Assert.Equal(FrameType.Output, got!.Value.Type);
        Assert.Equal(new byte[] { 42 }, got.Value.Body);
    }

    [Fact]
    public void A_client_with_the_wrong_secret_is_refused_and_never_reaches_the_session()
    {
        bool accepted = false;
        using var refused = new ManualResetEventSlim();
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => accepted = true);
        endpoint.Refused += refused.Set;

        var wrong = RandomNumberGenerator.GetBytes(32);
        Assert.Throws<MpConnectionRefusedException>(() => Connection.Connect(endpoint.Path, wrong));

        Assert.True(refused.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(accepted);
    }

    [Fact]
    public void Peers_that_dribble_their_handshake_do_not_hold_up_a_real_client()
    {
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => { });
        var slow = new List<Socket>();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                var socket = ConnectRaw(endpoint.Path);
                socket.Send(new byte[] { 1 });   // a start on the proof, never finished
                slow.Add(socket);
            }
            var started = Stopwatch.StartNew();
            using var client = Connection.Connect(endpoint.Path, _secret);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"the real client waited {started.Elapsed}");
            Assert.True(Process.GetCurrentProcess().Threads.Count < 100, "a waiting handshake holds no thread");
        }
        finally { slow.ForEach(s => s.Dispose()); }
    }

    [Fact]
    public void A_handshake_has_one_deadline_in_all_however_slowly_its_bytes_come()
    {
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => { }, TimeSpan.FromSeconds(1));
        using var socket = ConnectRaw(endpoint.Path);
        var started = Stopwatch.StartNew();
        Assert.True(ReadNonce(socket));
        int sent = 0;
        try
        {
            // A byte every 200 ms would finish the 32-byte proof after 6.4 s; the endpoint closes it at 1 s.
            while (started.Elapsed < TimeSpan.FromSeconds(10))
            {
                socket.Send(new byte[] { 1 });
                sent++;
                if (socket.Poll(200_000, SelectMode.SelectRead) && socket.Receive(new byte[1]) == 0) break;
            }
        }
        catch (SocketException) { }   // closed while sending
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(4), $"the endpoint kept a dribbling peer for {started.Elapsed} ({sent} bytes)");
    }

    [Fact]
    public void The_oldest_waiting_handshakes_make_room_for_new_ones()
    {
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => { });
        var silent = new List<Socket>();
        try
        {
            for (int i = 0; i < Endpoint.MaxPending + 10; i++) silent.Add(ConnectRaw(endpoint.Path));
            foreach (var socket in silent) Assert.True(ReadNonce(socket));
            using var client = Connection.Connect(endpoint.Path, _secret);
            // The first 11 made room for the 10 after them and for the client; they are closed, the rest wait.
            for (int i = 0; i < silent.Count; i++)
            {
                bool closed = silent[i].Poll(i <= 10 ? 5_000_000 : 0, SelectMode.SelectRead) && silent[i].Receive(new byte[1]) == 0;
                Assert.True(closed == (i <= 10), $"connection {i} closed: {closed}");
            }
        }
        finally { silent.ForEach(s => s.Dispose()); }
    }

    [Fact]
    public void Room_made_by_refusing_the_oldest_is_safe_when_the_oldest_has_sent_something()
    {
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => { });
        var sockets = new List<Socket>();
        try
        {
            for (int i = 0; i < Endpoint.MaxPending; i++) sockets.Add(ConnectRaw(endpoint.Path));
            foreach (var socket in sockets) Assert.True(ReadNonce(socket));
            // The oldest becomes readable as a new connection arrives: both wake the endpoint at once.
            for (int i = 0; i < 30; i++)
            {
                sockets[i].Send(new byte[] { 1 });
                var next = ConnectRaw(endpoint.Path);
                sockets.Add(next);
                Assert.True(ReadNonce(next));
            }
            using var client = Connection.Connect(endpoint.Path, _secret);
        }
        finally { sockets.ForEach(s => s.Dispose()); }
    }

    [Fact]
    public void While_accepting_is_paused_and_nothing_waits_the_endpoint_sleeps_then_accepts()
    {
        using var endpoint = new Endpoint(Path.Combine(_directory, "e"), _secret, _ => { });
        // As after running out of descriptors: the listener is left out of the wait for a while.
        typeof(Endpoint).GetField("_acceptPausedUntil", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .SetValue(endpoint, Environment.TickCount64 + 300);
        using (var wake = ConnectRaw(endpoint.Path)) Assert.True(ReadNonce(wake));   // accepted, then gone: nothing waits
        using var client = Connection.Connect(endpoint.Path, _secret);
    }

    private static Socket ConnectRaw(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 10_000;
        return socket;
    }

    private static bool ReadNonce(Socket socket)
    {
        var nonce = new byte[32];
        for (int got = 0; got < nonce.Length;)
        {
            int n = socket.Receive(nonce, got, nonce.Length - got, SocketFlags.None);
            if (n == 0) return false;
            got += n;
        }
        return true;
    }
}
