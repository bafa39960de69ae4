using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using System.Management.Automation;
using System.Threading;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc.Commands;

/// <summary>Starts a pool of warm worker processes, as Python's multiprocessing.Pool.</summary>
[Cmdlet(VerbsCommon.New, "MpPool", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(MpPool))]
public sealed class NewMpPoolCommand : RunPolicyCmdlet
{
    private const string LocalSet = "Local", HostNameSet = "HostName", SessionSet = "Session";

    /// <summary>Workers on this machine; beside -HostName or -Session, none unless given.</summary>
    [Parameter(Position = 0)]
    [ValidateRange(1, 256)]
    public int Size { get; set; } = Environment.ProcessorCount;

    /// <summary>Hosts to run workers on, over SSH: host, user@host or host:port.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostNameSet)]
    [ValidateNotNullOrEmpty]
    public string[]? HostName { get; set; }

    [Parameter(ParameterSetName = HostNameSet)]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    [Parameter(ParameterSetName = HostNameSet)]
    [ValidateNotNullOrEmpty]
    public string? KeyFilePath { get; set; }

    [Parameter(ParameterSetName = HostNameSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; }

    /// <summary>SSH options (`ssh -o`), as New-PSSession -Options takes them.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [ValidateNotNull]
    public System.Collections.Hashtable? Options { get; set; }

    /// <summary>Open sessions to run workers through; each runs the pool's agent until the pool ends.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SessionSet)]
    [ValidateNotNullOrEmpty]
    public System.Management.Automation.Runspaces.PSSession[]? Session { get; set; }

    /// <summary>Workers on each host; default: the host's processor count.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = SessionSet)]
    [ValidateRange(1, 256)]
    public int SizePerHost { get; set; }

    /// <summary>Runs once in each worker, in its global scope, before any task.</summary>
    [Parameter]
    [ValidateNotNull]
    public ScriptBlock? InitializationScript { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Function { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ModuleNameCompleter))]
    public string[]? Module { get; set; }

    /// <summary>Tasks a worker runs before a fresh one replaces it; unlimited without it.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxTasksPerWorker { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    private const int IdlePoolsToWarnAt = 4;

    protected override void EndProcessing()
    {
        try
        {
            var idle = PoolTable.Snapshot().Count(p => p.State == MpPoolState.Open && p.Busy + p.Queued == 0);
            if (idle >= IdlePoolsToWarnAt)
                WriteWarning($"{idle} pools of this session are open and idle, and this makes another. A script that makes a pool each time it runs " +
                    "leaves its workers behind every run: end it with Stop-MpPool (try { ... } finally { Stop-MpPool $pool }), or reuse one pool.");
            var setup = PoolSetup.For(this, InitializationScript, Function, Module);
            var sites = ConnectHosts();
            if (ParameterSetName == LocalSet || MyInvocation.BoundParameters.ContainsKey(nameof(Size))) sites.Insert(0, new LocalSite(Size));
            WriteObject(MpPool.Start(Name, sites.ToArray(), MaxTasksPerWorker, setup, PolicyOver(RunPolicy.Default), StopToken));
        }
        catch (OperationCanceledException) { }
        catch (MpException e) { ThrowTerminating(e); }
    }

    /// <summary>Every host of -HostName or -Session, connected side by side, its agent running; none when one fails.</summary>
    private List<WorkerSite> ConnectHosts()
    {
        int? size = SizePerHost > 0 ? SizePerHost : null;
        Func<Remote.RemoteHost>[] connects = ParameterSetName switch
        {
            HostNameSet => HostName!.Select(h => Remote.HostAddress.Parse(h, UserName, KeyFilePath, Port, Options))
                .Select(address => (Func<Remote.RemoteHost>)(() => Remote.RemoteHost.Open(address, size, StopToken))).ToArray(),
            SessionSet => Session!.Select(s => (Func<Remote.RemoteHost>)(() => Remote.RemoteHost.Attach(s.Runspace, size, StopToken))).ToArray(),
            _ => Array.Empty<Func<Remote.RemoteHost>>(),
        };
        var connecting = connects.Select(connect => Task.Run(connect)).ToArray();
        try { Task.WaitAll(connecting); }
        catch (AggregateException e)
        {
            foreach (var done in connecting.Where(c => c.IsCompletedSuccessfully)) done.Result.Close();
            throw e.InnerExceptions.FirstOrDefault(i => i is MpException or OperationCanceledException) ?? e.InnerExceptions[0];
        }
        return connecting.Select(c => (WorkerSite)c.Result).ToList();
    }
}
