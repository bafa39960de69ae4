using System;
using System.Diagnostics;
using System.Threading;
using System.Management.Automation;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Platform;
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
        // The child keeps running while a Ctrl+C interrupts its parent's wait, as with Start-Job.
        Os.Control.IgnoreTerminalInterrupt();
        HostOutput.ReachesTerminal = Environment.GetEnvironmentVariable(ChildConsole.TerminalVariable) == "1";   // before the job's environment replaces ours

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
        var mayExit = new ManualResetEventSlim();
        parent.Closed += _ =>
        {
            mayExit.Set();
            // No orphans: a parent that is gone (even by SIGKILL) closes this connection; go at once.
            if (!runner.IsFinished) Process.GetCurrentProcess().Kill();
        };
        parent.Start(frame =>
        {
            if (frame.Type == FrameType.Stop) runner.Stop();
            else if (frame.Type == FrameType.MayExit) mayExit.Set();
        }, "Multiproc parent");

        int exitCode = runner.Run();
        if (HostOutput.ReachesTerminal)
        {
            // The parent says when: at an idle prompt, once what this child printed is shown (PromptSafeConsole.ShownAsync).
            Console.Out.Flush();
            mayExit.Wait(TimeSpan.FromSeconds(3));
        }
        parent.Close();
        Session.EndCurrent();   // what this child made (objects, its private directory, children) goes with it
        return Os.Control.ExitNow(exitCode);   // everything the parent needs has been sent
    }
}
