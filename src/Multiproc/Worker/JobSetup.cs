using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Multiproc.Processes;

namespace Multiproc.Worker;

/// <summary>Gives a child's runspace what its caller had: environment, location, functions, `$using:` values, modules.</summary>
/// <remarks>Shared by a process's job and a pool worker's setup.</remarks>
internal static class JobSetup
{
    public static void ApplyEnvironment(JobSpec spec)
    {
        if (spec.Environment is { } environment)
        {
            foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
            {
                var name = (string)entry.Key;
                if (!environment.ContainsKey(name)) Environment.SetEnvironmentVariable(name, null);
            }
            foreach (var (name, value) in environment) Environment.SetEnvironmentVariable(name, value);
        }
        if (spec.WorkingDirectory.Length > 0) Environment.CurrentDirectory = spec.WorkingDirectory;
        if (spec.DefaultManager is not null) Session.Current.DefaultManager = spec.DefaultManager;
    }

    /// <summary>
    /// Location, functions, `$using:` values and `$_` go straight into session state: the first use of
    /// Set-Variable alone would cost ~80 ms of module auto-loading. Returns the pipeline that imports the
    /// modules, for the caller to run its way, or null when there are none.
    /// </summary>
    public static PowerShell? Prepare(JobSpec spec, SessionState state)
    {
        if (spec.WorkingDirectory.Length > 0) state.Path.SetLocation(WildcardPattern.Escape(spec.WorkingDirectory));   // a literal path: `a[b` is a folder
        state.InvokeProvider.Item.Set("function:global:Write-Progress", ScriptBlock.Create(ProgressRelay.Function));   // shown by the caller
        foreach (DictionaryEntry function in spec.Functions)
            state.InvokeProvider.Item.Set($"function:global:{function.Key}", ScriptBlock.Create((string)function.Value!));
        SetVariables(spec.UsingValues, state);
        if (spec.HasInput) state.PSVariable.Set("_", spec.Input);
        if (spec.Modules.Length == 0) return null;
        var import = PowerShell.Create(RunspaceMode.CurrentRunspace);
        foreach (var module in spec.Modules)
            import.AddCommand("Import-Module").AddParameter("Name", module).AddParameter("Global")
                  .AddParameter("ErrorAction", ActionPreference.Stop).AddStatement();
        return import;
    }

    /// <summary>Sets each name in <paramref name="values"/> as a variable of the runspace's current scope.</summary>
    public static void SetVariables(Hashtable values, SessionState state)
    {
        foreach (DictionaryEntry value in values) state.PSVariable.Set((string)value.Key, value.Value);
    }
}
