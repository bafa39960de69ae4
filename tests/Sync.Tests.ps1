BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # A folder the processes of one test use to show each other what they do.
    function New-TestFolder {
        $path = Join-Path ([IO.Path]::GetTempPath()) "mp-sync-$([guid]::NewGuid().ToString('N'))"
        New-Item -ItemType Directory -Path $path | Out-Null
        $script:Folders += , $path
        $path
    }
    $script:Folders = @()
}

AfterAll {
    Remove-AllMpProcess
    $script:Folders | Remove-Item -Recurse -Force -ErrorAction Ignore
}

Describe 'New-MpLock, Enter-MpLock and Exit-MpLock' {
    It 'is held by one process at a time and released by Exit-MpLock' {
        $l = New-MpLock
        Enter-MpLock $l
        $l.IsLocked | Should -BeTrue
        Start-MpProcess { param($l) $l.Acquire(0) } -ArgumentList $l -Wait | Should -BeFalse
        Exit-MpLock $l
        $l.IsLocked | Should -BeFalse
        Start-MpProcess { param($l) $l.Acquire(0); $l.Release() } -ArgumentList $l -Wait | Should -BeTrue
    }

    It 'fails Exit-MpLock and Release() with MpLockNotHeld when this process does not hold it' {
        $l = New-MpLock
        { Exit-MpLock $l } | Should -Throw -ErrorId 'MpLockNotHeld,Multiproc.Commands.ExitMpLockCommand'
        { $l.Release() } | Should -Throw -ExceptionType ([Multiproc.MpLockNotHeldException])
        $ready = New-MpQueue
        $p = Start-MpProcess { param($l, $ready) $l.Acquire(); $ready.Put(1); Start-Sleep 60 } -ArgumentList $l, $ready
        $ready.Get(60) | Should -Be 1
        { $l.Release() } | Should -Throw -ErrorId MpLockNotHeld -Because 'the child holds it, not this process'
        $l.IsLocked | Should -BeTrue
        Stop-MpProcess $p -Force
    }

    It 'fails Enter-MpLock -Timeout 0.2 on a held lock with MpTimeout after about that long' {
        $l = New-MpLock
        $ready = New-MpQueue
        $p = Start-MpProcess { param($l, $ready) Enter-MpLock $l; $ready.Put(1); Start-Sleep 60 } -ArgumentList $l, $ready
        $ready.Get(60) | Should -Be 1
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Enter-MpLock $l -Timeout 0.2 } | Should -Throw -ErrorId 'MpTimeout,Multiproc.Commands.EnterMpLockCommand'
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.19
        $l.Acquire(0.1) | Should -BeFalse
        Stop-MpProcess $p -Force
    }

    It 'is released when the child holding it is killed: the parent gets it within a second' {
        $l = New-MpLock
        $ready = New-MpQueue
        $p = Start-MpProcess { param($l, $ready) $l.Acquire(); $ready.Put(1); Start-Sleep 60 } -ArgumentList $l, $ready
        $ready.Get(60) | Should -Be 1
        $l.Acquire(0) | Should -BeFalse
        Stop-MpProcess $p -Force
        $l.Acquire(1) | Should -BeTrue
        $l.Release()
    }

    It 'lets the holder of a recursive lock enter it again, and holds it until it left as often' {
        $l = New-MpLock -Recursive
        $l.IsRecursive | Should -BeTrue
        Enter-MpLock $l
        Enter-MpLock $l -Timeout 0
        Exit-MpLock $l
        Start-MpProcess { param($l) $l.Acquire(0) } -ArgumentList $l -Wait | Should -BeFalse -Because 'it was entered twice and left once'
        Exit-MpLock $l
        $l.IsLocked | Should -BeFalse
        { Exit-MpLock $l } | Should -Throw -ErrorId 'MpLockNotHeld,*'
        $plain = New-MpLock
        $plain.Acquire()
        $plain.Acquire(0) | Should -BeFalse -Because 'a plain lock is not entered twice, even by its holder'
        $plain.Release()
    }

    It 'reaches children through $using: and pipeline input' {
        $l = New-MpLock
        Start-MpProcess { ($using:l).Acquire(0); ($using:l).Release() } -Wait | Should -BeTrue
        $l | Start-MpProcess { $_.GetType().Name } -Wait | Should -Be 'MpLock'
    }

    It 'rejects a bad timeout before waiting' {
        $l = New-MpLock
        { $l.Acquire(-1) } | Should -Throw -ErrorId MpInvalidArgument
        { Enter-MpLock $l -Timeout -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        $l.IsLocked | Should -BeFalse
    }

    It 'stops waiting on Ctrl+C and leaves the lock as it was' {
        $l = New-MpLock
        $ready = New-MpQueue
        $p = Start-MpProcess { param($l, $ready) $l.Acquire(); $ready.Put(1); Start-Sleep 60 } -ArgumentList $l, $ready
        $ready.Get(60) | Should -Be 1
        Assert-StopsOnCtrlC 'Enter-MpLock $args[0]' $l
        $l.Acquire(0) | Should -BeFalse -Because 'its holder still has it'
        Stop-MpProcess $p -Force
        $l.Acquire(5) | Should -BeTrue
        $l.Release()
    }

    It 'fails with MpObjectGone once the session that made it has ended' {
        $p = Start-MpProcess { New-MpLock }
        $l = Receive-MpProcess $p -Wait
        $l | Should -BeOfType [Multiproc.MpLock]
        Wait-Until { -not (Test-ProcessAlive $p.Id) } -Because 'the child, and its session, to end'
        { $l.Acquire(0) } | Should -Throw -ErrorId MpObjectGone
    }
}

Describe 'Use-MpLock' {
    It 'guards a read-modify-write in four processes: none is lost' {
        $l = New-MpLock
        $file = Join-Path (New-TestFolder) 'counter'
        Set-Content $file 0
        $workers = 1..4 | ForEach-Object {
            Start-MpProcess {
                param($l, $file)
                for ($i = 0; $i -lt 100; $i++) { Use-MpLock $l { Set-Content $file ([int](Get-Content $file) + 1) } }
            } -ArgumentList $l, $file
        }
        $workers | Wait-MpProcess -Timeout 300
        $workers.ExitCode | Should -Be 0, 0, 0, 0
        [int](Get-Content $file) | Should -Be 400
    }

    It 'emits what the scriptblock writes and releases the lock when it throws' {
        $l = New-MpLock
        Use-MpLock $l { 1; 2 } | Should -Be 1, 2
        Use-MpLock $l { $assigned = 'inside' }
        $assigned | Should -Be 'inside' -Because 'the scriptblock runs in the caller''s scope, as a lock block does'
        { Use-MpLock $l { throw 'inside' } } | Should -Throw 'inside'
        $l.IsLocked | Should -BeFalse
    }

    It 'does not run the scriptblock when the lock stays held past -Timeout' {
        $l = New-MpLock
        $l.Acquire()
        $ready = New-MpQueue
        $p = Start-MpProcess { param($l) try { Use-MpLock $l { 'ran' } -Timeout 0.2 } catch { $_.FullyQualifiedErrorId } } -ArgumentList $l
        Receive-MpProcess $p -Wait | Should -Be 'MpTimeout,Multiproc.Commands.UseMpLockCommand'
        $l.Release()
    }
}

Describe 'New-MpSemaphore' {
    It 'never lets more than two of four processes in at once with a count of 2' {
        $s = New-MpSemaphore -Count 2
        $s.Count | Should -Be 2
        $folder = New-TestFolder
        $workers = 1..4 | ForEach-Object {
            Start-MpProcess {
                param($s, $folder)
                $most = 0
                for ($i = 0; $i -lt 30; $i++) {
                    Use-MpLock $s {
                        $mine = New-Item (Join-Path $folder "$PID-$i") -ItemType File
                        $most = [Math]::Max($most, @(Get-ChildItem $folder).Count)   # the caller's $most: Use-MpLock runs in its scope
                        Remove-Item $mine
                    }
                }
                $most
            } -ArgumentList $s, $folder
        }
        $workers | Wait-MpProcess -Timeout 300
        $most = $workers | Receive-MpProcess
        $most.Count | Should -Be 4
        $most | ForEach-Object { $_ | Should -BeIn 1, 2 }
        $s.Available | Should -Be 2
    }

    It 'counts slots per process: a release beyond what this process took fails with MpLockNotHeld' {
        $s = New-MpSemaphore 2
        $s.Acquire(0) | Should -BeTrue
        $s.Acquire(0) | Should -BeTrue
        $s.Acquire(0) | Should -BeFalse
        $s.Release()
        $s.Release()
        { $s.Release() } | Should -Throw -ErrorId MpLockNotHeld
        $s.Available | Should -Be 2
    }

    It 'gives back the slot of a process that is killed' {
        $s = New-MpSemaphore
        $ready = New-MpQueue
        $p = Start-MpProcess { param($s, $ready) Enter-MpLock $s; $ready.Put(1); Start-Sleep 60 } -ArgumentList $s, $ready
        $ready.Get(60) | Should -Be 1
        $s.Available | Should -Be 0
        Stop-MpProcess $p -Force
        Enter-MpLock $s -Timeout 5
        Exit-MpLock $s
    }

    It 'rejects a count below 1 before anything starts' {
        { New-MpSemaphore -Count 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.NewMpSemaphoreCommand'
    }
}

Describe 'New-MpEvent' {
    It 'wakes waiters in two processes when a third sets it' {
        $e = New-MpEvent
        $e.IsSet | Should -BeFalse
        $waiters = 1..2 | ForEach-Object { Start-MpProcess { param($e) $e.Wait(120) } -ArgumentList $e }
        $waiters[0].Wait(1) | Should -BeFalse -Because 'nothing has set the event yet'
        Start-MpProcess { param($e) $e.Set() } -ArgumentList $e -Wait
        $waiters | Wait-MpProcess -Timeout 120
        $waiters | Receive-MpProcess | Should -Be $true, $true
        $e.IsSet | Should -BeTrue
    }

    It 'returns false from Wait at the timeout while clear, and true at once while set' {
        $e = New-MpEvent
        $e.Wait(0.1) | Should -BeFalse
        $e.Set()
        $e.Wait(0) | Should -BeTrue
        $e.Clear()
        $e.IsSet | Should -BeFalse
        Start-MpProcess { param($e) $e.Wait(0) } -ArgumentList $e -Wait | Should -BeFalse
    }
}

Describe 'New-MpBarrier' {
    It 'releases all three parties together, each with its own arrival index' {
        $b = New-MpBarrier -Parties 3
        $b.Parties | Should -Be 3
        $waiters = 1..2 | ForEach-Object { Start-MpProcess { param($b) $b.Wait(120) } -ArgumentList $b }
        Wait-Until { $b.Waiting -eq 2 } -Because 'two children to wait at the barrier'
        $waiters[0].Wait(0.5) | Should -BeFalse -Because 'the third party has not arrived'
        $mine = $b.Wait(60)
        $waiters | Wait-MpProcess -Timeout 120
        @($mine) + @($waiters | Receive-MpProcess) | Sort-Object | Should -Be 0, 1, 2
        $b.Waiting | Should -Be 0
    }

    It 'breaks when a wait times out: the others fail with MpBarrierBroken until Reset()' {
        $b = New-MpBarrier 3
        $other = Start-MpProcess { param($b) try { $b.Wait(120) } catch { $_.FullyQualifiedErrorId } } -ArgumentList $b
        Wait-Until { $b.Waiting -eq 1 } -Because 'the child to wait at the barrier'
        { $b.Wait(0.2) } | Should -Throw -ErrorId MpTimeout
        $b.IsBroken | Should -BeTrue
        Receive-MpProcess $other -Wait | Should -Be 'MpBarrierBroken'
        { $b.Wait(1) } | Should -Throw -ExceptionType ([Multiproc.MpBarrierBrokenException])
        $b.Reset()
        $b.IsBroken | Should -BeFalse
        $one = New-MpBarrier 1
        $one.Wait() | Should -Be 0
    }

    It 'rejects zero parties before anything starts' {
        { New-MpBarrier -Parties 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.NewMpBarrierCommand'
    }
}
