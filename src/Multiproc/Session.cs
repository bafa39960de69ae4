using Multiproc.Rpc;
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Multiproc.Ipc;
using Multiproc.Pipes;
using Multiproc.Pool;
using Multiproc.Processes;
using Multiproc.Shared;

namespace Multiproc;

/// <summary>This process's Multiproc session: its secret, private directory, endpoint and children.</summary>
/// <remarks>
/// A root session makes a new random secret; a child adopts its parent's (handed over on stdin) so that
/// every process of one tree can reach the objects of any other. The endpoint starts on first use.
/// </remarks>
internal sealed class Session
{
    private static readonly object s_gate = new();
    private static Session? s_current;   // guarded by s_gate

    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Connection>> _expectedChildren = new();
    private Endpoint? _endpoint;          // guarded by _gate
    private string? _directory;           // guarded by _gate
    private MpManager? _defaultManager;   // guarded by _gate

    private Session(byte[] secret) => Secret = secret;

    public static Session Current
    {
        get { lock (s_gate) return s_current ??= new Session(RandomNumberGenerator.GetBytes(32)); }
    }

    /// <summary>Called once in a child, before anything else uses the session.</summary>
    public static Session AdoptSecret(byte[] secret)
    {
        lock (s_gate) return s_current = new Session(secret);
    }

    /// <summary>Ends the session if one was started: children go, the endpoint and directory are removed.</summary>
    public static void EndCurrent()
    {
        Session? session;
        lock (s_gate) { session = s_current; s_current = null; }
        session?.End();
    }

    public byte[] Secret { get; }

    public ProcessTable Processes { get; } = new();

    /// <summary>Where shared objects made without -Manager live: a manager in the session's first process.</summary>
    /// <remarks>The first process starts it on first use; a child is given its parent's with its job.</remarks>
    public MpManager DefaultManager
    {
        get { lock (_gate) return _defaultManager ??= MpManager.Start("Default"); }
        set { lock (_gate) _defaultManager = value; }
    }

    /// <summary>The endpoint's socket path; starts the endpoint in the private directory on first use.</summary>
    public string EndpointPath
    {
        get
        {
            lock (_gate)
            {
                _endpoint ??= new Endpoint(Path.Combine(PrivateDirectoryUnderLock(), "endpoint"), Secret, OnAccepted);
                return _endpoint.Path;
            }
        }
    }

    /// <summary>This process's private directory (mode 0700), made on first use and removed when the session ends.</summary>
    public string PrivateDirectory
    {
        get { lock (_gate) return PrivateDirectoryUnderLock(); }
    }

    // CreateTempSubdirectory makes the directory with mode 0700 on Unix.
    private string PrivateDirectoryUnderLock() => _directory ??= Directory.CreateTempSubdirectory("multiproc-").FullName;

    /// <summary>True when <paramref name="path"/> is this process's own endpoint: objects there are local.</summary>
    public bool IsOwnEndpoint(string path)
    {
        lock (_gate) return _endpoint?.Path == path;
    }

    /// <summary>Registers a child about to start; the task completes when it connects with this token.</summary>
    public Task<Connection> ExpectChild(string token)
    {
        var pending = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        _expectedChildren[token] = pending;
        return pending.Task;
    }

    public void ForgetChild(string token) => _expectedChildren.TryRemove(token, out _);

    private void OnAccepted(Connection connection)
    {
        try
        {
            if (connection.ReadOne() is { Type: FrameType.Hello } hello)
            {
                var hi = Hello.Read(new WireReader(hello.Body));
                if (hi.Role == HelloRole.Child && _expectedChildren.TryRemove(hi.Token, out var pending))
                {
                    pending.TrySetResult(connection);
                    return;
                }
                if (hi.Role == HelloRole.Client)
                {
                    if (IsOutboxPath(hi.Token)) connection.RecoverFrom(hi.Token);
                    ObjectHost.Serve(connection);
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException) { }
        connection.Close();
    }

    // Only an outbox in a session's private directory: the owner reads and deletes that file, and no other.
    private static bool IsOutboxPath(string path) =>
        Path.IsPathFullyQualified(path) &&
        Path.GetFileName(path) is { Length: 39 } name && name.StartsWith("outbox-", StringComparison.Ordinal) &&
        Path.GetFileName(Path.GetDirectoryName(path)) is { } directory && directory.StartsWith("multiproc-", StringComparison.Ordinal);

    private void End()
    {
        PoolTable.TerminateAll();
        Standby.KillAll();
        Processes.KillAll();
        ObjectHost.EndAll();
        OpenPipes.EndAll();
        Link.CloseAll();
        lock (_gate)
        {
            _endpoint?.Dispose();
            _endpoint = null;
            if (_directory is not null)
                try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
            _directory = null;
        }
    }
}
