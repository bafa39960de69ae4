using System;
using System.Management.Automation;
using System.Runtime.InteropServices;
using Multiproc.Processes;

namespace Multiproc;

/// <summary>Children go when the module goes: on Remove-Module, when this process exits, and when it is sent SIGTERM.</summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    private static PosixSignalRegistration? s_terminate;

    public void OnImport()
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        // pwsh ends at SIGTERM without an orderly shutdown: ProcessExit never comes, and the session's private
        // directory, its children's files and this process's own runtime files would stay in the temporary folder.
        if (!OperatingSystem.IsWindows()) s_terminate ??= PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnTerminate);
        if (System.Management.Automation.Runspaces.Runspace.DefaultRunspace is { } runspace) PromptSafeConsole.PrepareForPrompt(runspace);
    }

    public void OnRemove(PSModuleInfo module)
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        s_terminate?.Dispose();
        s_terminate = null;
        Session.EndCurrent();
    }

    private static void OnProcessExit(object? sender, EventArgs e)
    {
        UnfinishedWork.WarnAtExit();
        Session.EndCurrent();
    }

    // The signal goes on to end the process as it would have (the context is not cancelled).
    private static void OnTerminate(PosixSignalContext context)
    {
        Session.EndCurrent();
        RuntimeFiles.Remove(Environment.ProcessId);
    }
}
