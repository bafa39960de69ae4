using System.Collections;
using System.Management.Automation;
using Multiproc.Processes;
using Multiproc.Worker;

namespace Multiproc.Commands;

/// <summary>What a pool's workers take from their caller: environment, location, functions, modules, initialization script.</summary>
internal static class PoolSetup
{
    public static JobSpec For(PSCmdlet caller, ScriptBlock? initialization, string[]? functions, string[]? modules) =>
        For(caller, ForInline(caller, initialization, functions, modules));

    /// <summary>A worker's job from the set-up its caller took already.</summary>
    public static JobSpec For(PSCmdlet caller, InlineRunner.Setup setup)
    {
        return new JobSpec
        {
            Name = "MpPool worker",
            ParentId = System.Environment.ProcessId,
            Script = setup.Script,
            UsingValues = setup.UsingValues,
            Functions = setup.Functions,
            Modules = setup.Modules,
            Environment = ScriptCapture.Environment(null),
            WorkingDirectory = caller.SessionState.Path.CurrentFileSystemLocation.ProviderPath,
            DefaultManager = Session.Current.DefaultManager,
        };
    }

    /// <summary>The part inline tasks take too, as they run here: no environment, location or manager to give.</summary>
    public static InlineRunner.Setup ForInline(PSCmdlet caller, ScriptBlock? initialization, string[]? functions, string[]? modules)
    {
        var (script, usingValues) = initialization is null ? ("", new Hashtable()) : ScriptCapture.RewriteUsing(initialization, caller.SessionState, initialization: true);
        return new InlineRunner.Setup(ScriptCapture.Modules(modules, caller.SessionState), ScriptCapture.Functions(functions, caller.SessionState), script, usingValues, Quiet: true);
    }
}
