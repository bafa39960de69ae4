using System;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc.Pool;

/// <summary>A pool worker that is a child of this process: its connection, and the ledger both map.</summary>
internal sealed class LocalWorker : IWorkerPort
{
    private readonly Child _child;
    private readonly Connection _connection;
    private readonly ResultLedger _ledger;
    private readonly ExitReason _exit;

    private LocalWorker(Child child, Connection connection, ResultLedger ledger)
    {
        _child = child;
        _connection = connection;
        _ledger = ledger;
        _exit = ExitReason.Watch(child.Process.Id);
    }

    public int ProcessId => _child.Process.Id;

    public string HostName => MpSource.ThisMachine;

    /// <summary>Starts a worker and sets it up with <paramref name="setup"/> (a <see cref="JobSpec"/> as written); returns once it is ready.</summary>
    /// <exception cref="MpException">It could not start, or its setup failed (the message says why).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the process is gone.</exception>
    public static LocalWorker Start(ReadOnlySpan<byte> setup, CancellationToken cancel)
    {
        var ledger = ResultLedger.Create();
        Child child;
        try { child = Child.Acquire(refillStandby: false); }
        catch
        {
            ledger.Dispose(deleteFile: true);
            throw;
        }
        try
        {
            var connection = child.Connect(cancel);
            var message = new WireWriter(setup.Length + 256);
            message.WriteRaw(setup);
            message.WriteString(ledger.Path);
            connection.Send(FrameType.PoolSetup, message);
            if (connection.ReadOne() is not { Type: FrameType.PoolReady } ready)
                throw new MpObjectGoneException("A pool worker ended while it was being set up.", child.Process.Id);
            if (SetupFailure(ready.Body) is { } failure) throw failure;
            return new LocalWorker(child, connection, ledger);
        }
        catch
        {
            child.Kill();
            ledger.Dispose(deleteFile: true);
            throw;
        }
    }

    /// <summary>The error a worker's PoolReady frame reports, or null when its setup went well.</summary>
    public static MpPoolSetupException? SetupFailure(byte[] readyBody)
    {
        var r = new WireReader(readyBody);
        if (r.ReadBool()) return null;
        var error = (System.Management.Automation.ErrorRecord)StreamRecord.Read(r).Record;
        return new MpPoolSetupException(
            $"A pool worker's setup failed: {error}. Check -InitializationScript, -Function and -Module.", null, error.Exception);
    }

    public void Start(Action<Frame> onFrame, Action onGone)
    {
        _connection.Closed += _ => onGone();
        _connection.Start(onFrame, "Multiproc pool worker");
    }

    public void Post(FrameType type, ReadOnlySpan<byte> body) => _connection.Post(type, body);

    public bool PostNeverWaits => false;

    public (long ChunkId, int Index, long Since)? ReadRunning() => _ledger.ReadRunning();

    public (long ChunkId, int Count, byte[] Items)? ReadUnsent() => _ledger.Read();

    public void Kill()
    {
        try { _child.Process.Kill(); } catch (InvalidOperationException) { /* gone already */ }
    }

    public WorkerEnd Ending()
    {
        // Dead before its ledger is read: a worker whose connection this side closed may still be writing it.
        // One that died by itself has closed its connection on the way out, and is gone a moment later.
        bool closedAlive = false;
        var process = _child.Process;
        try
        {
            closedAlive = !process.WaitForExit(200);
            process.Kill();
            process.WaitForExit(2000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { /* gone already */ }
        string lastWords = _child.LastWords(Child.LastWordsWait);
        return new WorkerEnd(closedAlive, _exit.Describe(process) + lastWords, lastWords == "" ? () => { } : _child.StandardError.Claim);
    }

    public void Release()
    {
        _child.Kill();
        _ledger.Dispose(deleteFile: true);
    }
}
