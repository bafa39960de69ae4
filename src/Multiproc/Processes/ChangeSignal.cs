using System.Threading.Tasks;

namespace Multiproc.Processes;

/// <summary>Lets any number of waiters sleep until the next change.</summary>
/// <remarks>Take <see cref="Next"/> before checking the condition, so a change in between is not missed.</remarks>
internal sealed class ChangeSignal
{
    private readonly object _gate = new();
    private TaskCompletionSource? _next;   // guarded by _gate; null while nobody waits

    public Task Next()
    {
        lock (_gate) return (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
    }

    public void Notify()
    {
        TaskCompletionSource? next;
        lock (_gate) { next = _next; _next = null; }
        next?.TrySetResult();
    }
}
