# Which paths a session takes (SPEC section 12): Linux's native ones (futexes; memory mapped with no
# descriptor kept), or the portable ones built on .NET alone that macOS and Windows take. The test
# command runs the whole suite once in each mode; these tests show the mode is the one asked for.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Portable = [Multiproc.MpSettings]::Portable
}

AfterAll {
    [Multiproc.MpSettings]::Portable = $script:Portable
    Remove-AllMpProcess
}

Describe 'The mode of a session' {
    It 'is the one $env:MULTIPROC_PORTABLE asked for when the module loaded' {
        $asked = $env:MULTIPROC_PORTABLE -in '1', 'true'
        [Multiproc.MpSettings]::Portable | Should -Be ($asked -or -not $IsLinux)
    }

    It 'waits on a held lock as the mode says: asleep until woken natively, looking again every few ms portably' {
        $lock = New-MpLock
        $null = $lock.Acquire()
        $threads = New-MpQueue
        $child = Start-MpProcess {
            param($l, $q)
            $q.Put([int](Get-Item /proc/thread-self).Target.Split('/')[-1])   # the thread that will wait
            $null = $l.Acquire(60)
            $l.Release()
        } -ArgumentList $lock, $threads
        $tid = $threads.Get(60)
        Wait-Until { Test-ThreadParked $tid -ProcessId $child.Id } -Because 'the child to wait for the lock'
        # How often the waiting thread woke in one second: a futex sleeper wakes once per 50 ms slice to
        # look for a dead holder; a portable one also after each sleep of 1 to 16 ms, ~140 times.
        $switches = { [long]("$((Get-Content "/proc/$($child.Id)/task/$tid/status") -like 'voluntary_ctxt_switches*')" -replace '\D', '') }
        $before = & $switches
        Start-Sleep -Seconds 1
        $wakes = (& $switches) - $before
        $lock.Release()
        $null = $child | Wait-MpProcess -Timeout 60
        $child.ExitCode | Should -Be 0
        if ($script:Portable) { $wakes | Should -BeGreaterThan 80 } else { $wakes | Should -BeLessThan 50 }
    }

    It 'starts a child in its parent''s mode, also after the mode changed, and takes no standby of the other' -Skip:(-not $IsLinux) {
        foreach ($mode in (-not $script:Portable), $script:Portable) {
            [Multiproc.MpSettings]::Portable = $mode
            $child = Start-MpProcess { [Multiproc.MpSettings]::Portable }
            $null = $child | Wait-MpProcess -Timeout 60
            $child | Receive-MpProcess | Should -Be $mode
        }
    }

    It 'shares a lock between a portable and a native process of one session' -Skip:(-not $IsLinux) {
        $lock = New-MpLock
        $held = New-MpEvent
        [Multiproc.MpSettings]::Portable = -not $script:Portable
        try { $holder = Start-MpProcess { param($l, $e) $null = $l.Acquire(); $e.Set(); Start-Sleep -Milliseconds 300; $l.Release() } -ArgumentList $lock, $held }
        finally { [Multiproc.MpSettings]::Portable = $script:Portable }
        $held.Wait(60) | Should -BeTrue
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $lock.Acquire(30) | Should -BeTrue -Because 'the other mode''s holder releases it'
        $watch.Elapsed.TotalMilliseconds | Should -BeGreaterThan 100 -Because 'it was held until then'
        $lock.Release()
        $null = $holder | Wait-MpProcess -Timeout 60
        $holder.ExitCode | Should -Be 0
    }

    It 'refuses to leave the portable paths where there are no native ones' -Skip:$IsLinux {
        { [Multiproc.MpSettings]::Portable = $false } | Should -Throw '*only the portable paths*'
    }
}
