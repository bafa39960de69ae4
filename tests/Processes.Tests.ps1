BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'Start-MpProcess' {
    Context 'running a scriptblock in a child' {
        It 'runs in another process whose parent is this one' {
            $p = Start-MpProcess { $PID; (Get-MpProcess -Current).ParentId }
            $p.Wait(60) | Should -BeTrue
            $childPid, $parent = Receive-MpProcess $p
            $childPid | Should -Be $p.Id
            $childPid | Should -Not -Be $PID
            $parent | Should -Be $PID
            $p.State | Should -Be 'Completed'
            $p.ExitCode | Should -Be 0
        }

        It 'binds -ArgumentList to the scriptblock parameters' {
            Start-MpProcess { param($a, $b) $a * $b } -ArgumentList 6, 7 -Wait | Should -Be 42
        }

        It 'gives each pipeline object its own process where it is $_' {
            $out = 1..3 | Start-MpProcess { "$_ in $PID" } -Wait
            $out.Count | Should -Be 3
            ($out | ForEach-Object { $_.Split(' ')[0] }) | Should -Be '1', '2', '3'
            ($out | ForEach-Object { $_.Split(' ')[-1] } | Sort-Object -Unique).Count | Should -Be 3
        }

        It 'feeds the pipeline object to a process block' {
            'a' | Start-MpProcess { process { "got $_" } } -Wait | Should -Be 'got a'
        }

        It 'names processes MpProcess-<n> unless -Name is given' {
            $p = Start-MpProcess {}
            $p.Name | Should -Match '^MpProcess-\d+$'
            (Start-MpProcess {} -Name 'worker').Name | Should -Be 'worker'
        }
    }

    Context 'what reaches the child' {
        It 'carries $using: values' {
            $text = 'from parent'
            $table = @{ n = 3 }
            Start-MpProcess { "$using:text $(($using:table).n)" } -Wait | Should -Be 'from parent 3'
        }

        It 'copies -Function definitions' {
            function Get-Double($x) { 2 * $x }
            Start-MpProcess { Get-Double 21 } -Function Get-Double -Wait | Should -Be 42
        }

        It 'imports -Module by path' {
            $module = Join-Path $TestDrive 'MpTestModule.psm1'
            Set-Content $module 'function Get-MpTestValue { "from module" }'
            Start-MpProcess { Get-MpTestValue } -Module $module -Wait | Should -Be 'from module'
        }

        It 'applies -Environment on top of the caller''s environment' {
            $env:MP_TEST_INHERITED = 'inherited'
            try {
                $out = Start-MpProcess { $env:MP_TEST_INHERITED; $env:MP_TEST_GIVEN } -Environment @{ MP_TEST_GIVEN = 'given' } -Wait
                $out | Should -Be 'inherited', 'given'
                Start-MpProcess { $null -eq $env:MP_TEST_INHERITED } -Environment @{ MP_TEST_INHERITED = $null } -Wait | Should -BeTrue
            }
            finally { Remove-Item Env:MP_TEST_INHERITED }
        }

        It 'starts in -WorkingDirectory, or in the caller''s location' {
            Start-MpProcess { $PWD.Path } -WorkingDirectory $TestDrive -Wait | Should -Be $TestDrive
            Push-Location $TestDrive
            try { Start-MpProcess { [Environment]::CurrentDirectory } -Wait | Should -Be $TestDrive }
            finally { Pop-Location }
        }
    }

    Context 'bad input' {
        It 'refuses a missing scriptblock by parameter validation' {
            { Start-MpProcess -ScriptBlock $null } | Should -Throw -ErrorId 'ParameterArgumentValidationErrorNullNotAllowed,*'
        }

        It 'refuses a working directory that does not exist, starting nothing' {
            $before = @(Get-MpProcess).Count
            { Start-MpProcess {} -WorkingDirectory (Join-Path $TestDrive 'nope') } | Should -Throw -ErrorId 'MpInvalidArgument,*'
            @(Get-MpProcess).Count | Should -Be $before
        }

        It 'refuses an unknown -Function, starting nothing' {
            $before = @(Get-MpProcess).Count
            { Start-MpProcess {} -Function 'No-SuchFunction' } | Should -Throw -ErrorId 'MpInvalidArgument,*'
            @(Get-MpProcess).Count | Should -Be $before
        }
    }
}

Describe 'Receive-MpProcess' {
    It 're-emits a terminating error, and the process ends Failed with exit code 1' {
        $p = Start-MpProcess { 'before'; throw 'boom' }
        $p.Wait(60) | Should -BeTrue
        $p.State | Should -Be 'Failed'
        $p.ExitCode | Should -Be 1
        $out = Receive-MpProcess $p -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be 'before'
        $err.Count | Should -Be 1
        $err[0].Exception.Message | Should -Be 'boom'
        $err[0].CategoryInfo.Category | Should -Be 'OperationStopped'
    }

    It 'keeps non-terminating errors with their id, category and target' {
        $p = Start-MpProcess { Write-Error -Message 'soft' -ErrorId 'MyId' -Category InvalidData -TargetObject 42; 'after' }
        $out = Receive-MpProcess $p -Wait -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be 'after'
        $p.State | Should -Be 'Completed'
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MyId*'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $err[0].TargetObject | Should -Be 42
    }

    It 'brings warning, verbose, debug and information records back on their streams' {
        $p = Start-MpProcess {
            Write-Warning 'w'; Write-Verbose 'v' -Verbose; Write-Debug 'd' -Debug; Write-Information 'i'
        }
        $p.Wait(60) | Should -BeTrue
        $records = & {
            $DebugPreference = 'Continue'   # -Debug would ask to confirm each record
            Receive-MpProcess $p -Verbose 3>&1 4>&1 5>&1 6>&1
        }
        ($records | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Be 'w'
        ($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Be 'v'
        ($records | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Message | Should -Be 'd'
        ($records | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).MessageData | Should -Be 'i'
    }

    It 'keeps the data with -Keep and removes it without' {
        $p = Start-MpProcess { 1; 2 }
        $p.Wait(60) | Should -BeTrue
        $p.HasMoreData | Should -BeTrue
        Receive-MpProcess $p -Keep | Should -Be 1, 2
        $p.HasMoreData | Should -BeTrue
        Receive-MpProcess $p | Should -Be 1, 2
        $p.HasMoreData | Should -BeFalse
        Receive-MpProcess $p | Should -BeNullOrEmpty
    }

    It 'streams output as it comes with -Wait' {
        $p = Start-MpProcess { foreach ($i in 1..3) { $i; Start-Sleep -Milliseconds 100 } }
        Receive-MpProcess $p -Wait | Should -Be 1, 2, 3
        $p.IsAlive | Should -BeFalse
    }

    It 'shows what the child writes to the host on the parent''s console' {
        $script = "Import-Module '$ModulePath'; `$null = Start-MpProcess { Write-Host 'host line from child' } -Wait"
        $console = & $Pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $console | Should -Contain 'host line from child'
    }
}

Describe 'Wait-MpProcess' {
    It 'returns at the timeout without an error, as join(timeout) does' {
        $p = Start-MpProcess { Start-Sleep 30 }
        Wait-MpProcess $p -Timeout 0.2 -PassThru -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
        $p.IsAlive | Should -BeTrue
        $p.Wait(0) | Should -BeFalse
        Stop-MpProcess $p -Force
    }

    It 'emits the finished processes with -PassThru, and -Any returns at the first' {
        $fast = Start-MpProcess { 'fast' }
        $slow = Start-MpProcess { Start-Sleep 30 }
        $done = $fast, $slow | Wait-MpProcess -Any -PassThru -Timeout 60
        $done | Should -Be $fast
        Stop-MpProcess $slow -Force
    }

    It 'refuses a negative timeout by parameter validation' {
        $p = Start-MpProcess {}
        { Wait-MpProcess $p -Timeout -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'keeps the Mp error id when the Wait method fails' {
        $p = Start-MpProcess {}
        { $p.Wait(-1) } | Should -Throw -ErrorId 'MpInvalidArgument'
        try { $p.Wait(-1) } catch [Multiproc.MpInvalidArgumentException] { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'MpInvalidArgument'
    }
}

Describe 'Stop-MpProcess' {
    It 'stops the pipeline and lets finally blocks run' {
        $marker = Join-Path $TestDrive 'finally.txt'
        $p = Start-MpProcess { try { 'started'; Start-Sleep 60 } finally { Set-Content $using:marker 'cleaned up' } }
        Wait-Until { @(Receive-MpProcess $p -Keep) -contains 'started' } -Because 'the child to start'
        Stop-MpProcess $p
        $p.State | Should -Be 'Stopped'
        $p.ExitCode | Should -Not -Be 0
        Get-Content $marker | Should -Be 'cleaned up'
        Test-ProcessAlive $p.Id | Should -BeFalse
    }

    It 'kills at once with -Force (exit code 137 after SIGKILL)' {
        $p = Start-MpProcess { Start-Sleep 60 }
        Stop-MpProcess $p -Force -PassThru | Should -Be $p
        $p.State | Should -Be 'Stopped'
        $p.ExitCode | Should -Be 137
        Test-ProcessAlive $p.Id | Should -BeFalse
    }

    It 'marks a child killed from outside as Failed with the signal status' {
        $p = Start-MpProcess { Start-Sleep 60 }
        Wait-Until { Test-ProcessAlive $p.Id }
        Stop-Process -Id $p.Id -Force
        $p.Wait(30) | Should -BeTrue
        $p.State | Should -Be 'Failed'
        $p.ExitCode | Should -Be 137
    }
}

Describe 'Get-MpProcess' {
    BeforeAll {
        $named = Start-MpProcess { Start-Sleep 60 } -Name 'get-test-running'
        $ended = Start-MpProcess { } -Name 'get-test-ended'
        $ended.Wait(60)
    }
    AfterAll { Stop-MpProcess $named -Force }

    It 'lists running and ended processes, and filters by -Name with wildcards, -Id and -State' {
        (Get-MpProcess -Name 'get-test-*').Name | Sort-Object | Should -Be 'get-test-ended', 'get-test-running'
        (Get-MpProcess -Id $named.Id) | Should -Be $named
        (Get-MpProcess -Name 'get-test-*' -State Running) | Should -Be $named
    }

    It 'writes MpProcessNotFound for an id or name that matches nothing' {
        Get-MpProcess -Id 999999 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'MpProcessNotFound,Multiproc.Commands.GetMpProcessCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Get-MpProcess -Name 'no-such-*' -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -BeLike 'MpProcessNotFound,*'
    }

    It 'gives a child its own view with -Current' {
        $view = Start-MpProcess { Get-MpProcess -Current } -Name 'me' -Wait
        $view.Name | Should -Be 'me'
        $view.ParentId | Should -Be $PID
    }

    It 'says MpProcessNotFound for -Current outside a child' {
        Get-MpProcess -Current -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'MpProcessNotFound,*'
    }
}

Describe 'Remove-MpProcess' {
    It 'removes an ended process' {
        $p = Start-MpProcess { }
        $p.Wait(60) | Should -BeTrue
        Remove-MpProcess $p
        Get-MpProcess | Should -Not -Contain $p
    }

    It 'refuses a running process with MpProcessRunning, and -Force stops it first' {
        $p = Start-MpProcess { Start-Sleep 60 }
        Remove-MpProcess $p -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'MpProcessRunning,Multiproc.Commands.RemoveMpProcessCommand'
        Get-MpProcess -Id $p.Id | Should -Be $p
        Remove-MpProcess $p -Force
        $p.IsAlive | Should -BeFalse
        Get-MpProcess | Should -Not -Contain $p
    }
}

Describe 'Ctrl+C' {
    It 'stops Receive-MpProcess -Wait waiting, and the child it waited for goes on' {
        $child = Start-MpProcess { 'started'; Start-Sleep 60 }
        try {
            Wait-Until { @(Receive-MpProcess $child -Keep) -contains 'started' } -Because 'the child to start'
            Assert-StopsOnCtrlC 'Receive-MpProcess $args[0] -Wait' $child
            $child.IsAlive | Should -BeTrue
        }
        finally { Stop-MpProcess $child -Force }
    }

    It 'stops Wait-MpProcess and the child it waited for (SPEC §10: Ctrl+C escalates)' {
        $child = Start-MpProcess { 'started'; Start-Sleep 60 }
        try {
            Wait-Until { @(Receive-MpProcess $child -Keep) -contains 'started' } -Because 'the child to start'
            Assert-StopsOnCtrlC 'Wait-MpProcess $args[0]' $child
            $child.State | Should -Be 'Stopped'
        }
        finally { Stop-MpProcess $child -Force }
    }

    It 'stops Start-MpProcess -Wait and the children it started' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddScript('Start-MpProcess { Start-Sleep 60 } -Name ctrl-c-wait -Wait')
            $async = $ps.BeginInvoke()
            Wait-Until { Get-MpProcess -Name ctrl-c-wait -ErrorAction Ignore } -Because 'the child to start'
            $ps.Stop()
            $async.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $child = Get-MpProcess -Name ctrl-c-wait
            $child.Wait(30) | Should -BeTrue
        }
        finally { $ps.Dispose() }
    }
}

Describe 'No orphans' {
    It 'a parent killed with SIGKILL leaves no child running 2 seconds later' {
        $pidFile = Join-Path $TestDrive 'child.pid'
        $script = @"
Import-Module '$ModulePath'
`$p = Start-MpProcess { Start-Sleep 120 }
`$null = Start-MpProcess { }    # after the first start a standby is kept warm: it must go too
Set-Content '$pidFile' `$p.Id
Start-Sleep 120
"@
        $parent = Start-Process $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -PassThru
        try {
            Wait-Until { Test-Path $pidFile } -TimeoutSeconds 60 -Because 'the parent to start its child'
            Wait-Until { @(Get-ChildProcessId $parent.Id).Count -ge 2 } -TimeoutSeconds 60 -Because 'the standby to start'
            $children = @(Get-ChildProcessId $parent.Id)
            $children | Should -Contain ([int](Get-Content $pidFile))

            Stop-Process -Id $parent.Id -Force   # SIGKILL
            Start-Sleep -Seconds 2
            $children | Where-Object { Test-ProcessAlive $_ } | Should -BeNullOrEmpty
        }
        finally { Stop-Process -Id $parent.Id -Force -ErrorAction Ignore }
    }
}

Describe 'Session end' {
    It 'Remove-Module ends the session''s children and its standby' {
        $script = "Import-Module '$ModulePath'; `$p = Start-MpProcess { Start-Sleep 120 }; `$null = Start-MpProcess { } | Wait-MpProcess; " +
            "Start-Sleep -Milliseconds 500; `$p.Id; Remove-Module Multiproc; Start-Sleep 120"
        $ids = Join-Path $TestDrive 'ids.txt'
        $parent = Start-Process $Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $script -RedirectStandardOutput $ids -PassThru
        try {
            Wait-Until { (Test-Path $ids) -and (Get-Content $ids) } -TimeoutSeconds 60 -Because 'the child to start'
            $child = [int](Get-Content $ids | Select-Object -First 1)
            Wait-Until { -not (Test-ProcessAlive $child) } -TimeoutSeconds 10 -Because 'the child to go with the module'
            Wait-Until { @(Get-ChildProcessId $parent.Id).Count -eq 0 } -TimeoutSeconds 10 -Because 'the standby to go too'
            Test-ProcessAlive $parent.Id | Should -BeTrue   # the session's process lives on
        }
        finally { Stop-Process -Id $parent.Id -Force -ErrorAction Ignore }
    }
}

Describe 'The warm standby' {
    It 'keeps one ready after the first start, gives it the caller''s environment and location at start, and 0 turns it off' {
        $script = @'
Import-Module 'MODULE_PATH'
$ErrorActionPreference = 'Stop'
# Live children: one that has exited but is not reaped yet (state Z) is not running.
function Get-ChildCount { @(Get-ChildItem /proc/[0-9]*/stat -ErrorAction Ignore | Where-Object {
    $fields = ((Get-Content $_ -Raw -ErrorAction Ignore) -replace '^.*\)\s+', '').Split(' ')
    $fields[1] -eq "$PID" -and $fields[0] -ne 'Z' }).Count }
function Wait-Count($n) {
    $deadline = [DateTime]::UtcNow.AddSeconds(60)
    while ((Get-ChildCount) -ne $n) { if ([DateTime]::UtcNow -gt $deadline) { throw "never $n children" }; Start-Sleep -Milliseconds 50 }
}
Get-ChildCount                                   # 0: no standby before the first start
Start-MpProcess { } | Wait-MpProcess
Wait-Count 1                                     # the standby is up
$env:MP_STANDBY_TEST = 'set after the standby started'
Set-Location 'TEST_DRIVE'
Start-MpProcess { $env:MP_STANDBY_TEST; $PWD.Path } -Wait
[Multiproc.MpSettings]::StandbyCount = 0
Wait-Count 0                                     # the standby went
Start-MpProcess { } | Wait-MpProcess
Start-Sleep -Seconds 1                           # a refill would have started by now: an absence needs a span
Get-ChildCount
'@.Replace('MODULE_PATH', $ModulePath).Replace('TEST_DRIVE', $TestDrive)
        $out = & $Pwsh -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $out | Should -Be '0', 'set after the standby started', $TestDrive, '0'
    }
}
