using System;
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

    protected override void EndProcessing()
    {
        try
        {
            var setup = PoolSetup.For(this, InitializationScript, Function, Module);
            WriteObject(MpPool.Start(Name, Size, MaxTasksPerWorker, setup, PolicyOver(RunPolicy.Default), StopToken));
        }
        catch (OperationCanceledException) { }
        catch (MpException e) { ThrowTerminating(e); }
    }
}
