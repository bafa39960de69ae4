using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography;

namespace Multiproc.Remote;

/// <summary>Makes this very build of Multiproc importable on a host: the one installed there if it is the same, else a copy in the host's temporary folder.</summary>
internal static class ModuleShipment
{
    private static readonly Version LowestPowerShell = new(7, 4);
    private static readonly Lazy<string> s_hash = new(() => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(typeof(ModuleShipment).Assembly.Location))));

    // Looks for this build: installed under the same version with the same dll, or copied here before.
    private const string FindScript = """
        param($Version, $Hash)
        $copy = Join-Path ([IO.Path]::GetTempPath()) "Multiproc-$Version-$($Hash.Substring(0, 16))"
        $installed = Get-Module -ListAvailable -Name Multiproc | Where-Object { $_.Version -eq $Version } |
            ForEach-Object { Join-Path $_.ModuleBase 'Multiproc.dll' } |
            Where-Object { (Test-Path $_) -and (Get-FileHash $_ -Algorithm SHA256).Hash -eq $Hash } | Select-Object -First 1
        if (-not $installed -and (Test-Path (Join-Path $copy 'Multiproc.dll'))) { $installed = Join-Path $copy 'Multiproc.dll' }
        [pscustomobject]@{ PSVersion = $PSVersionTable.PSVersion.ToString(); Dll = $installed; Copy = $copy }
        """;

    // Writes the module's files beside their final folder, then moves them in whole: a pool starting on
    // the same host at the same time finds either no copy or a complete one.
    private const string CopyScript = """
        param($Copy, $Files)
        $staging = "$Copy.$PID.$([guid]::NewGuid().ToString('N'))"
        foreach ($file in $Files.GetEnumerator()) {
            $path = Join-Path $staging $file.Key
            $null = New-Item -ItemType Directory -Path (Split-Path $path) -Force
            [IO.File]::WriteAllBytes($path, $file.Value)
        }
        try { Move-Item -LiteralPath $staging -Destination $Copy -ErrorAction Stop }
        catch { Remove-Item -LiteralPath $staging -Recurse -Force }
        Join-Path $Copy 'Multiproc.dll'
        """;

    /// <summary>The path of Multiproc.dll on the host, copied there first when needed.</summary>
    /// <exception cref="MpHostUnreachableException">The host runs a PowerShell too old, or the copy failed.</exception>
    public static string Ensure(Runspace runspace, string hostName)
    {
        string version = typeof(ModuleShipment).Assembly.GetName().Version!.ToString(3);
        var found = Run(runspace, hostName, FindScript, new Hashtable { ["Version"] = version, ["Hash"] = s_hash.Value }).Single();
        var psVersion = Version.Parse(found.Properties["PSVersion"].Value.ToString()!.Split('-')[0]);
        if (psVersion < LowestPowerShell)
            throw new MpHostUnreachableException(
                $"Host '{hostName}' runs PowerShell {psVersion}; Multiproc's workers need PowerShell {LowestPowerShell} or later there. Install it on the host, or leave the host out.", hostName);
        if (found.Properties["Dll"].Value is string dll && dll.Length > 0) return dll;

        var folder = Path.GetDirectoryName(typeof(ModuleShipment).Assembly.Location)!;
        var files = new Hashtable();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(folder, file).Replace('\\', '/')] = File.ReadAllBytes(file);
        return (string)Run(runspace, hostName, CopyScript, new Hashtable { ["Copy"] = found.Properties["Copy"].Value, ["Files"] = files }).Single().BaseObject;
    }

    private static System.Collections.ObjectModel.Collection<PSObject> Run(Runspace runspace, string hostName, string script, Hashtable parameters)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = runspace;
        shell.AddScript(script).AddParameters(parameters);
        System.Collections.ObjectModel.Collection<PSObject> output;
        try { output = shell.Invoke(); }
        catch (Exception e) when (e is RuntimeException or PSInvalidOperationException)
        {
            throw new MpHostUnreachableException($"Could not make Multiproc ready on host '{hostName}': {e.Message}", hostName, e);
        }
        if (shell.Streams.Error.Count > 0 || output.Count == 0)
            throw new MpHostUnreachableException(
                $"Could not make Multiproc ready on host '{hostName}': {shell.Streams.Error.FirstOrDefault()?.ToString() ?? "no answer"}. Check the host's temporary folder.", hostName);
        return output;
    }
}
