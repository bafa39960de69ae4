using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>Children go when the module goes: on Remove-Module and when this process exits.</summary>
public sealed class ModuleLifetime : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    public void OnImport() => AppDomain.CurrentDomain.ProcessExit += OnProcessExit;

    public void OnRemove(PSModuleInfo module)
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Session.EndCurrent();
    }

    private static void OnProcessExit(object? sender, EventArgs e) => Session.EndCurrent();
}
