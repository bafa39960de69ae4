using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Processes;

namespace Multiproc.Worker;

/// <summary>The entry point of a child: connect back, wait for a job, run it, report, exit.</summary>
/// <remarks>Called by the child's bootstrap command on the console host's pipeline thread.</remarks>
public static class WorkerMain
{
    /// <summary>This child's own MpProcess view once it has a job; null in a process that is not a child.</summary>
    internal static MpProcess? Current { get; private set; }

    /// <summary>Runs the child on the console host's runspace; returns its exit code. Not for use from scripts.</summary>
    public static int Run(PSHost host, EngineIntrinsics engine)
    {
        // A terminal's Ctrl+C signals its whole foreground process group: in a group of its own, the
        // child keeps running while its parent's wait is interrupted, as with Start-Job.
        if (!OperatingSystem.IsWindows()) SetProcessGroup(0, 0);

        // The parent writes the endpoint, the secret, this child's token and its role on stdin, then closes it.
        var endpoint = Console.In.ReadLine();
        var secretText = Console.In.ReadLine();
        var token = Console.In.ReadLine();
        bool isStandby = Console.In.ReadLine() == "standby";
        if (endpoint is null || secretText is null || token is null) return 2;
        var secret = Convert.FromBase64String(secretText);
        Session.AdoptSecret(secret);

        Connection parent;
        try { parent = Connection.Connect(endpoint, secret); }
        catch (MpException) { return 3; }   // the parent session ended while this child started: go quietly
        var hello = new WireWriter();
        new Hello(HelloRole.Child, token, Environment.ProcessId).Write(hello);
        parent.Send(FrameType.Hello, hello);

        // A standby warms up, then waits here until it is given work, or its parent goes. A child started
        // for a job has it waiting already: warming up would only delay it.
        if (isStandby) JobRunner.WarmUp();
        var first = parent.ReadOne();
        if (first is { Type: FrameType.PoolSetup } setup) return PoolWorker.Run(parent, setup, host, engine.SessionState);
        if (first is not { Type: FrameType.Job } job) return 0;
        var spec = JobSpec.Read(new WireReader(job.Body));
        Current = MpProcess.ForCurrent(spec);

        var runner = new JobRunner(spec, parent, host, engine.SessionState);
        parent.Closed += _ =>
        {
            // No orphans: a parent that is gone (even by SIGKILL) closes this connection; go at once.
            if (!runner.IsFinished) Process.GetCurrentProcess().Kill();
        };
        parent.Start(frame =>
        {
            if (frame.Type == FrameType.Stop) runner.Stop();
        }, "Multiproc parent");

        int exitCode = runner.Run();
        parent.Close();
        Session.EndCurrent();   // what this child made (objects, its private directory, children) goes with it
        return ExitNow(exitCode);
    }

    // Everything the parent needs has been sent; pwsh's orderly shutdown would add ~60 ms to every join.
    private static int ExitNow(int exitCode)
    {
        if (OperatingSystem.IsWindows()) return exitCode;
        Console.Out.Flush();
        Console.Error.Flush();
        SysExit(exitCode);
        return exitCode;
    }

    [DllImport("libc", EntryPoint = "setpgid")]
    private static extern int SetProcessGroup(int pid, int processGroup);

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void SysExit(int status);
}
