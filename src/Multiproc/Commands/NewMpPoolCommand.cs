using System;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Multiproc.Pool;
using Multiproc.Processes;

namespace Multiproc.Commands;

/// <summary>Starts a pool of warm worker processes, as Python's multiprocessing.Pool.</summary>
[Cmdlet(VerbsCommon.New, "MpPool")]
[OutputType(typeof(MpPool))]
public sealed class NewMpPoolCommand : RunPolicyCmdlet
{
    [Parameter(Position = 0)]
    [ValidateRange(1, 256)]
    public int Size { get; set; } = Environment.ProcessorCount;

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
            WriteObject(MpPool.Start(Name, new WorkerSite[] { new LocalSite(Size) }, MaxTasksPerWorker, setup, PolicyOver(RunPolicy.Default), StopToken));
        }
        catch (OperationCanceledException) { }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
