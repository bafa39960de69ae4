using System;
using System.Collections.Generic;

namespace Multiproc;

/// <summary>Work decided under a lock and done after it (sends, wake-ups), so a slow receiver never holds the lock up.</summary>
/// <remarks>Passed by ref to the helpers that run under the lock; nothing is allocated until there is work.</remarks>
internal struct AfterLock
{
    private List<Action>? _work;

    public void Add(Action work) => (_work ??= new()).Add(work);

    /// <summary>Does the work added, in order; call it once the lock is let go.</summary>
    public readonly void Run()
    {
        if (_work is null) return;
        foreach (var work in _work) work();
    }
}
