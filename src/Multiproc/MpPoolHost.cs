using System;

namespace Multiproc;

/// <summary>A machine a pool runs workers on, as `$pool.Hosts` and Get-MpPool show it.</summary>
public sealed class MpPoolHost
{
    internal MpPoolHost(string hostName, MpPoolHostState state, int[] workerIds, string? lostBecause)
    {
        HostName = hostName;
        State = state;
        WorkerIds = workerIds;
        LostBecause = lostBecause;
    }

    /// <summary>This machine's name, or the host's as New-MpPool was given it.</summary>
    public string HostName { get; }

    public MpPoolHostState State { get; }

    /// <summary>The process ids of its workers now (on that host).</summary>
    public int[] WorkerIds { get; }

    /// <summary>Why it was lost; null while it is not.</summary>
    public string? LostBecause { get; }

    public override string ToString() => State == MpPoolHostState.Lost ? $"{HostName} (lost)" : $"{HostName} ({WorkerIds.Length})";
}

/// <summary>Local: this machine. Connected: a host reached over remoting. Lost: a host whose session broke; no worker runs there any more.</summary>
public enum MpPoolHostState
{
    Local,
    Connected,
    Lost,
}
