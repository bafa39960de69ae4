using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Reflection.PortableExecutable;

namespace Multiproc.Processes;

/// <summary>How the .NET runtime of a child pwsh is set up to start: without tiered compilation when its PowerShell is precompiled.</summary>
/// <remarks>
/// PowerShell's release packages ship the engine precompiled (ReadyToRun). With tiered compilation on,
/// the runtime still recompiles every engine method a task makes hot, on a background thread, for
/// seconds after any new work: a pool worker whose task slept 2 s used ~0.9 s of CPU, and two workers
/// on two cores ran their first tasks at two thirds of their speed. Off, the precompiled code stays, and
/// what has none (a script's compiled loops, a module's own assemblies) is compiled once, fully.
/// A PowerShell that is not precompiled (the dotnet tool's) would then compile every method fully
/// before its first run, doubling its start: there the runtime keeps its defaults. So does a child
/// whose caller chose tiered compilation itself. The setting lasts for the start only: a child takes
/// its caller's environment before any user code runs (<see cref="Worker.JobSetup.ApplyEnvironment"/>).
/// </remarks>
internal static class ChildRuntime
{
    private const string TieredCompilation = "DOTNET_TieredCompilation";
    private static readonly ConcurrentDictionary<string, bool> s_precompiled = new();

    public static void Configure(IDictionary<string, string?> environment, string pwshPath)
    {
        if (environment.ContainsKey(TieredCompilation)) return;
        if (s_precompiled.GetOrAdd(pwshPath, IsPrecompiled)) environment[TieredCompilation] = "0";
    }

    /// <summary>Whether the engine beside <paramref name="pwshPath"/> carries native code (ReadyToRun).</summary>
    public static bool IsPrecompiled(string pwshPath)
    {
        try
        {
            var pwsh = new FileInfo(pwshPath);
            var resolved = pwsh.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? pwsh;
            var engine = Path.Combine(resolved.DirectoryName!, "System.Management.Automation.dll");
            using var file = File.OpenRead(engine);
            using var reader = new PEReader(file);
            return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException) { return false; }
    }
}
