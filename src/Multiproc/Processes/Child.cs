using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Multiproc.Ipc;

namespace Multiproc.Processes;

/// <summary>A started child `pwsh` and its connection back to this session, before it is given work.</summary>
internal sealed class Child
{
    private static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(60);
    private readonly Session _session;   // the one it connects to; Session.Current may be a new one by the time it is killed
    private readonly Task<Connection> _connected;
    private readonly string _token;

    private Child(Session session, Process process, string token, Task<Connection> connected, bool isStandby, string runtimeSettings)
    {
        _session = session;
        StandardError = ErrorRelay.Start(process.Id, process.StandardError.BaseStream);
        RuntimeSettings = runtimeSettings;
        Process = process;
        _token = token;
        _connected = connected;
        IsStandby = isStandby;
    }

    public Process Process { get; }

    /// <summary>Its standard error, copied to ours but for the runtime's fatal report, kept for the error that says how it ended.</summary>
    public ErrorRelay StandardError { get; }

    /// <summary>Started ahead of need; it may have died while it waited.</summary>
    public bool IsStandby { get; }

    /// <summary>The runtime's settings in the environment it started from, and its mode: unlike the rest, they cannot change later.</summary>
    public string RuntimeSettings { get; }

    /// <summary>The `DOTNET_` and `COMPlus_` variables of this process's environment and whether it runs portable, as one string.</summary>
    public static string CurrentRuntimeSettings() =>
        $"{PortableVariable}={PortableValue}\n" + string.Join('\n', Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("DOTNET_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("COMPlus_", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)}"));

    /// <summary>Alive, and connected or still connecting.</summary>
    public bool IsUsable =>
        !HasExited && (!_connected.IsCompleted || (_connected.IsCompletedSuccessfully && !_connected.Result.IsClosed));

    public bool HasExited
    {
        get { try { return Process.HasExited; } catch (InvalidOperationException) { return true; } }
    }

    /// <summary>A ready standby if there is one (replaced at once with <paramref name="refillStandby"/>), else a newly started child.</summary>
    public static Child Acquire(bool refillStandby = true) =>
        (ChildConsole.IsRedirected ? null : Standby.Take(refillStandby)) ?? Spawn();   // a standby's output is ours

    /// <summary>Starts `pwsh` running the worker; the secret goes over its stdin, never its command line.</summary>
    public static Child Spawn(bool asStandby = false)
    {
        var session = Session.Current;
        var endpoint = session.EndpointPath;
        var token = Guid.NewGuid().ToString("N");
        var connected = session.ExpectChild(token);
        var runtimeSettings = CurrentRuntimeSettings();
        var output = ChildConsole.IsCopied ? ChildConsole.Output : null;
        var info = new ProcessStartInfo(MpSettings.PwshPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = output is not null,   // else inherited: the child writes to ours itself
            RedirectStandardError = true,   // copied to ours by ErrorRelay, which keeps a crash's report short
        };
        // Start-up only: the worker takes the caller's whole environment before any user code runs.
        info.Environment["POWERSHELL_TELEMETRY_OPTOUT"] = "1";
        info.Environment[PortableVariable] = PortableValue;   // the child runs in its parent's mode
        if (ChildConsole.ReachesTerminal) info.Environment[ChildConsole.TerminalVariable] = "1";
        else info.Environment.Remove(ChildConsole.TerminalVariable);   // inherited from a parent that had one
        if (!info.Environment.ContainsKey("DOTNET_GCgen0size") && !info.Environment.ContainsKey("COMPlus_GCgen0size"))
            info.Environment["DOTNET_GCgen0size"] = Gen0Budget;
        foreach (var arg in new[] { "-NoLogo", "-NoProfile", "-NonInteractive", "-Command", Bootstrap })
            info.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (Exception e)
        {
            session.ForgetChild(token);
            throw OpenFileLimit.Error(e, "start a child pwsh") ?? (Exception)new MpObjectGoneException(
                $"Could not start '{info.FileName}': {e.Message}. Set $env:MULTIPROC_PWSH to the pwsh to use.", info.FileName, e);
        }
        if (output is not null) _ = CopyOutput(process.StandardOutput.BaseStream, output);
        using (var stdin = process.StandardInput)
        {
            stdin.Write($"{endpoint}\n{Convert.ToBase64String(session.Secret)}\n{token}\n{(asStandby ? "standby" : "now")}\n");
        }
        return new Child(session, process, token, connected, asStandby, runtimeSettings);
    }

    private static async Task CopyOutput(Stream from, Stream to)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                lock (to) to.Write(buffer, 0, read);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { /* the child is gone */ }
        finally { from.Dispose(); }
    }

    /// <summary>The connection, once the child has proven the secret and said hello.</summary>
    /// <exception cref="MpObjectGoneException">The child exited or did not connect in time.</exception>
    public Connection Connect(CancellationToken cancel)
    {
        var exited = Process.WaitForExitAsync(cancel);
        try
        {
            var first = Task.WaitAny(new Task[] { _connected, exited }, (int)ConnectDeadline.TotalMilliseconds, cancel);
            if (first == 0) return _connected.Result;
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        Kill();
        var error = new MpObjectGoneException(
            HasExited
                ? $"The child pwsh exited with code {Process.ExitCode} before it connected{LastWords(LastWordsWait)}. Run '{MpSettings.PwshPath} -NoProfile' by hand to see why."
                : $"The child pwsh did not connect within {ConnectDeadline.TotalSeconds} seconds and was stopped.",
            Process.Id);
        StandardError.Claim();
        throw error;
    }

    /// <summary>How long a child's end may wait for the rest of its standard error.</summary>
    public static readonly TimeSpan LastWordsWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// ", saying "Process terminated. boom"" when the runtime reported a fatal error as it ended; ""
    /// otherwise. Whoever quotes it claims it (<see cref="ErrorRelay.Claim"/>), or it is printed.
    /// </summary>
    public string LastWords(TimeSpan wait) =>
        StandardError.FatalReport(wait) is { } report ? $", saying \"{report}\"" : "";

    public void Kill()
    {
        _session.ForgetChild(_token);
        try
        {
            Process.Kill(entireProcessTree: true);
            RuntimeFiles.Remove(Process.Id);
        }
        catch (InvalidOperationException) { }
        catch (System.ComponentModel.Win32Exception) { }
        if (_connected.IsCompletedSuccessfully) _connected.Result.Close();
    }

    // PowerShell allocates on every scripted step (a loop of `$x += $i` boxes ~48 bytes an iteration). At the
    // runtime's default budget (~2 MB on the machine measured) such a loop collected gen0 every ~1.4 ms: a
    // worker ran it ~40% slower than its parent, and two busy workers slowed each other further. At 64 MB it
    // is one every ~40 ms and a worker runs the loop as fast as its parent, for ~60 MB more resident memory
    // once it has run allocating work.
    // The caller's own setting wins.
    private const string Gen0Budget = "0x4000000";

    private const string PortableVariable = "MULTIPROC_PORTABLE";
    private static string PortableValue => MpSettings.Portable ? "1" : "0";

    // Imports this very assembly as the module: through the manifest costs ~60 ms more at every start.
    private static readonly string Bootstrap =
        $"Import-Module -Name '{typeof(Child).Assembly.Location.Replace("'", "''")}'; " +
        "exit [Multiproc.Worker.WorkerMain]::Run($Host, $ExecutionContext)";
}
