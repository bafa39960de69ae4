using System;
using System.Collections.Generic;
using System.Threading;
using Multiproc.Processes;

namespace Multiproc.Pool;

/// <summary>Where some of a pool's workers run: this machine, or a host reached over remoting. It starts them and keeps their count.</summary>
/// <remarks><see cref="Starting"/> is guarded by the pool's lock.</remarks>
internal abstract class WorkerSite
{
    protected WorkerSite(int size) => Size = size;

    /// <summary>How many workers the pool keeps here.</summary>
    public int Size { get; protected set; }

    /// <summary>The machine's name, as the pool shows it.</summary>
    public abstract string HostName { get; }

    /// <summary>
    /// Calls whose definition this site's workers share, when a site holds them for its workers (a host's
    /// agent does: a definition crosses to a host once); null when each worker is sent its own.
    /// </summary>
    public virtual HashSet<int>? SharedKnownCalls => null;

    /// <summary>Replacements on their way here.</summary>
    public int Starting { get; set; }

    /// <summary>No worker runs or starts here any more: the host went away.</summary>
    public virtual bool IsLost => false;

    /// <summary>Starts a worker here and sets it up; returns once it is ready.</summary>
    /// <exception cref="MpException">It could not start, or its setup failed (the message says why).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing is left running.</exception>
    public abstract IWorkerPort StartWorker(JobSpec setup, CancellationToken cancel);

    /// <summary>Lets go of what the site holds once the pool has ended (a host's session and agent).</summary>
    public virtual void Close() { }
}

/// <summary>This machine: workers are children of this process.</summary>
internal sealed class LocalSite : WorkerSite
{
    public LocalSite(int size) : base(size) { }

    public override string HostName => MpSource.ThisMachine;

    public override IWorkerPort StartWorker(JobSpec setup, CancellationToken cancel)
    {
        var message = new Ipc.WireWriter();
        setup.Write(message);
        return LocalWorker.Start(message.WrittenSpan, cancel);
    }
}
