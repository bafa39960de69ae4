# Bounded resources and hostile neighbours: no crash, no leak, no stall (issue 19, SPEC §2, §6).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'A Put that returned is seen by whoever looks after' {
    It 'finds a child''s put in the queue once the child has signalled it (<Signal>, 300 times)' -ForEach @(
        @{ Signal = 'event set' }
        @{ Signal = 'pipe message' }
    ) {
        $q = New-MpQueue
        $ack = New-MpEvent
        $sign = switch ($Signal) { 'event set' { New-MpEvent } 'pipe message' { New-MpPipe -Simplex } }
        $child = Start-MpProcess {
            param($q, $sign, $ack, $kind)
            foreach ($i in 1..300) {
                switch ($kind) {
                    'event set' { $q.Put($i); $sign.Set() }
                    'pipe message' { $q.Put($i); $sign[1].Send($i) }
                }
                $null = $ack.Wait(60); $ack.Clear()
            }
        } -ArgumentList $q, $sign, $ack, $Signal
        $missed = 0
        foreach ($i in 1..300) {
            switch ($Signal) {
                'event set' { $null = $sign.Wait(60); $sign.Clear() }
                'pipe message' { $null = $sign[0].Receive(60) }
            }
            $item = $null
            if (-not $q.TryGet([ref] $item)) { $missed++; $null = $q.Get(60) }   # it comes, but too late
            $ack.Set()
        }
        $child | Wait-MpProcess | Out-Null
        $child.ExitCode | Should -Be 0
        $missed | Should -Be 0 -Because 'a returned Put is there before the signal that follows it'
    }
}

Describe 'Nothing left in the temporary folder' {
    It 'leaves nothing in $TMPDIR after a session with 100 children and a pool ends (<How>)' -ForEach @(
        @{ How = 'it exits' }
        @{ How = 'SIGTERM' }
    ) {
        $temp = (New-Item -ItemType Directory (Join-Path $TestDrive "tmp-$($How -replace '\W')") -Force).FullName
        $ready = Join-Path $TestDrive "ready-$($How -replace '\W')"
        $script = Join-Path $TestDrive "session-$($How -replace '\W').ps1"
        @"
Import-Module '$script:ModulePath'
`$q = New-MpQueue
`$null = 1..100 | Start-MpProcess { `$_ } -Wait
`$pool = New-MpPool -Size 2
`$null = 1..10 | Invoke-MpPool { `$_ } -Pool `$pool
`$sleeper = Start-MpProcess { Start-Sleep 60 }
Set-Content '$ready' 'ready'
if ('$How' -eq 'SIGTERM') { Start-Sleep 120 }
"@ | Set-Content $script
        $info = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($a) }
        $info.Environment['TMPDIR'] = $temp
        $session = [System.Diagnostics.Process]::Start($info)
        try {
            Wait-Until { Test-Path $ready } -TimeoutSeconds 180 -Because 'the session to have run its children'
            if ($How -eq 'SIGTERM') { $null = kill -TERM $session.Id }
            $session.WaitForExit(60000) | Should -BeTrue -Because 'the session ends'
        }
        finally { if (-not $session.HasExited) { $session.Kill($true) } }
        Wait-Until { @(Get-ChildItem -Force $temp).Count -eq 0 } -TimeoutSeconds 30 -Because "nothing of the session stays: $((Get-ChildItem -Force $temp).Name -join ', ')"
    }
}

Describe 'A session that ends with work running says so' {
    It 'names the running processes and busy pools on standard error when a script ends without waiting, and says how to wait' {
        $script = Join-Path $TestDrive 'ends-early.ps1'
        @"
Import-Module '$script:ModulePath'
`$p = Start-MpProcess { Start-Sleep 60 } -Name LeftRunning
`$pool = New-MpPool -Size 1 -Name BusyPool
`$t = Invoke-MpPool { Start-Sleep 60 } -Pool `$pool -Async -Callback { 'never' }
while (`$pool.Busy -eq 0) { Start-Sleep -Milliseconds 50 }
'script ends'
"@ | Set-Content $script
        $errFile = Join-Path $TestDrive 'ends-early.err'
        $out = & $script:Pwsh -NoProfile -NonInteractive -File $script 2>$errFile
        $out | Should -Be 'script ends'
        $err = Get-Content $errFile -Raw
        $err | Should -BeLike '*LeftRunning (Id *'
        $err | Should -BeLike '*pool BusyPool (1 worker busy*'
        $err | Should -BeLike '*Wait-MpProcess*Wait-MpPool*'
    }

    It 'says nothing when the script waited for its work' {
        $script = Join-Path $TestDrive 'waits.ps1'
        @"
Import-Module '$script:ModulePath'
`$p = Start-MpProcess { 'done' }
`$pool = New-MpPool -Size 1
`$null = Invoke-MpPool { 1 } -Pool `$pool -Async
Wait-MpPool `$pool
`$null = `$p | Wait-MpProcess
"@ | Set-Content $script
        $errFile = Join-Path $TestDrive 'waits.err'
        & $script:Pwsh -NoProfile -NonInteractive -File $script 2>$errFile
        Get-Content $errFile -Raw | Should -BeNullOrEmpty
    }

    It 'warns when New-MpPool makes a pool while four others sit idle' {
        $pools = 1..4 | ForEach-Object { New-MpPool -Size 1 }
        try {
            $warned = $null
            $fifth = New-MpPool -Size 1 -WarningVariable warned -WarningAction SilentlyContinue
            $pools += $fifth
            $warned.Message | Should -BeLike '* pools of this session are open and idle*Stop-MpPool*'
        }
        finally { $pools | Stop-MpPool }
    }
}

Describe 'File descriptors' {
    It 'fails what needs a descriptor with MpNoRoom when there is none left, and works again once some are closed' {
        $script = Join-Path $TestDrive 'no-descriptors.ps1'
        @"
Import-Module '$script:ModulePath'
`$q = New-MpQueue
`$a, `$b = New-MpPipe
`$a.Send('y' * 100000)   # over 64 KB: it waits in a file beside the pipe
`$hog = [System.Collections.Generic.List[object]]::new()
try { while (`$true) { `$hog.Add([System.IO.File]::OpenRead('$script:ModulePath/Multiproc.psd1')) } } catch { }
# Not a new pool: with no descriptor left, .NET's thread pool cannot start the worker thread a pool's start
# asks for (Thread.StartCore throws OutOfMemoryException inside the thread pool) and the process aborts.
`$tries = { New-MpLock }, { New-MpPipe }, { Start-MpProcess { 'child' } -Wait }
foreach (`$try in `$tries) {
    try { `$null = & `$try; 'made' } catch { "`$(`$_.FullyQualifiedErrorId -replace ',.*') `$(`$_.CategoryInfo.Category) `$(`$_.Exception.Message -like '*no file descriptor left*ulimit -n*')" }
}
try { `$null = `$b.Receive(5); 'received' } catch { "receive `$(`$_.Exception.GetType().Name)" }
`$q.Put('still')
`$hog | ForEach-Object Dispose
"queue `$(`$q.Get(5))"
"pipe `$(`$b.Receive(5).Length)"
"again `$(Start-MpProcess { 'child' } -Wait) `$(1..3 | Invoke-MpPool { `$_ })"
"@ | Set-Content $script
        $out = bash -c "ulimit -n 400 && '$script:Pwsh' -NoProfile -NonInteractive -File '$script' 2>&1"
        $LASTEXITCODE | Should -Be 0 -Because "the session lives on: $out"
        $out | Should -Be @(
            'MpNoRoom ResourceUnavailable True'
            'MpNoRoom ResourceUnavailable True'
            'MpNoRoom ResourceUnavailable True'
            'receive MpNoRoomException'
            'queue still'
            'pipe 100000'
            'again child 1 2 3'
        )
    }


    It 'makes, uses and closes 300 pipes under ulimit -n 256 (pwsh itself holds ~170)' {
        $script = Join-Path $TestDrive 'many-pipes.ps1'
        @"
Import-Module '$script:ModulePath'
`$fd0 = [System.IO.Directory]::GetFiles('/proc/self/fd').Count
`$open = foreach (`$i in 1..300) { `$a, `$b = New-MpPipe; `$a.Send(`$i); if (`$b.Receive() -ne `$i) { throw "pipe `$i lost its message" }; if (`$i % 2) { `$a.Close(); `$b.Close() } else { ,(`$a, `$b) } }
`$fd1 = [System.IO.Directory]::GetFiles('/proc/self/fd').Count
`$mapped = @(Get-Content /proc/self/maps | Where-Object { `$_ -match '/pipe-\w+( \(deleted\))?`$' }).Count
`$session = [Multiproc.MpQueue].Assembly.GetType('Multiproc.Session')
`$private = `$session.GetProperty('PrivateDirectory').GetValue(`$session.GetProperty('Current').GetValue(`$null))
`$files = @(Get-ChildItem `$private -Filter 'pipe-*').Count
"pipes=`$(@(`$open).Count) fds=`$(`$fd1 - `$fd0) mapped=`$mapped files=`$files"
"@ | Set-Content $script
        $out = bash -c "ulimit -n 256 && '$script:Pwsh' -NoProfile -NonInteractive -File '$script' 2>&1"
        $LASTEXITCODE | Should -Be 0 -Because "$out"
        $line = @($out | Where-Object { $_ -like 'pipes=*' })
        $line | Should -HaveCount 1 -Because "$out"
        $fds = [int]($line[0] -replace '.*fds=(\d+).*', '$1')
        $line[0] | Should -BeLike 'pipes=150 *'
        $fds | Should -BeLessThan 20 -Because '150 open and 150 closed pipes hold no descriptor each'
        $line[0] | Should -BeLike '* mapped=150 files=150' -Because 'a pipe whose ends are both closed is unmapped and its file deleted'
    }
}

Describe 'A neighbour without the secret' {
    It 'cannot stall the session: children start and a pool runs while another process dribbles 200 handshakes' {
        $session = [Multiproc.MpQueue].Assembly.GetType('Multiproc.Session')
        $current = $session.GetProperty('Current').GetValue($null)
        $endpoint = $session.GetProperty('EndpointPath').GetValue($current)
        $ready = Join-Path $TestDrive 'dribbling'
        $script = Join-Path $TestDrive 'dribble.ps1'
        @"
`$sockets = foreach (`$i in 1..200) {
    `$s = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
    `$s.Connect([System.Net.Sockets.UnixDomainSocketEndPoint]::new('$endpoint'))
    `$s
}
Set-Content '$ready' 'ready'
while (`$true) {   # a byte a second each: a proof that never ends; one the endpoint closed comes back
    for (`$i = 0; `$i -lt `$sockets.Count; `$i++) {
        try { `$null = `$sockets[`$i].Send([byte[]] 1) }
        catch {
            `$sockets[`$i].Dispose()
            `$sockets[`$i] = [System.Net.Sockets.Socket]::new('Unix', 'Stream', 'Unspecified')
            try { `$sockets[`$i].Connect([System.Net.Sockets.UnixDomainSocketEndPoint]::new('$endpoint')) } catch { }
        }
    }
    Start-Sleep 1
}
"@ | Set-Content $script
        $threads = (Get-Process -Id $PID).Threads.Count
        $neighbour = Start-Process $script:Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script -PassThru
        try {
            Wait-Until { Test-Path $ready } -TimeoutSeconds 60 -Because 'the neighbour to have connected'
            $q = New-MpQueue
            $said = 1..4 | Start-MpProcess { param($q) $q.Put($_); "child $_" } -ArgumentList $q -Wait 2>&1
            ($said | Sort-Object) | Should -Be 'child 1', 'child 2', 'child 3', 'child 4'
            (1..4 | ForEach-Object { $q.Get(5) } | Sort-Object) | Should -Be 1, 2, 3, 4
            $pool = New-MpPool -Size 2
            try { 1..20 | Invoke-MpPool { $_ * 2 } -Pool $pool | Should -Be (1..20 | ForEach-Object { $_ * 2 }) }
            finally { $pool | Stop-MpPool }
            (Get-Process -Id $PID).Threads.Count - $threads | Should -BeLessThan 50 -Because 'a waiting handshake holds no thread'
        }
        finally { $neighbour.Kill() }
    }
}

Describe 'A closed pipe costs nothing' {
    It 'releases the pipes whose ends a child closed when the parent makes its next pipe' {
        $mapped = { @(Get-Content "/proc/$PID/maps" | Where-Object { $_ -match '/pipe-\w+( \(deleted\))?$' }).Count }
        $first = New-MpPipe   # releases what earlier tests closed, so the count below is this test's
        $before = & $mapped
        $pipes = 1..100 | ForEach-Object { , (New-MpPipe) }
        (& $mapped) - $before | Should -Be 100
        Start-MpProcess { param($pipes) foreach ($p in $pipes) { $p[0].Send(1); $null = $p[1].Receive(); $p[0].Close(); $p[1].Close() } } -ArgumentList (, $pipes) -Wait
        $pipes[0][0].IsClosed | Should -BeTrue
        $next = New-MpPipe
        (& $mapped) - $before | Should -Be 1 -Because 'only the new pipe is still open'
        $next + $first | ForEach-Object { $_.Close() }
    }

    It 'tells a handle first used after its pipe was released that the pipe is closed' {
        $a, $b = New-MpPipe
        $a.Close(); $b.Close()   # released here at once: its file is gone
        $got = Start-MpProcess { param($end) try { $end.Receive(5) } catch { $_.FullyQualifiedErrorId -replace ',.*' }; $end.IsClosed; $end.Close(); 'closed twice' } -ArgumentList $b -Wait
        $got | Should -Be 'MpPipeClosed', $true, 'closed twice'
    }
}

Describe 'A full temporary folder' {
    It 'fails New-MpLock, New-MpEvent and New-MpPipe with MpNoRoom and the session goes on (a 600 KB tmpfs as TMPDIR)' {
        $mount = (New-Item -ItemType Directory (Join-Path ([System.IO.Path]::GetTempPath()) "mp-full-$PID") -Force).FullName
        $null = mount -t tmpfs -o size=600k tmpfs $mount 2>&1
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this machine does not let the test mount a tmpfs'; return }
        try {
            $script = Join-Path $TestDrive 'full.ps1'
            @"
Import-Module '$script:ModulePath'
foreach (`$make in { New-MpLock }, { New-MpEvent }, { foreach (`$i in 1..10) { `$null = New-MpPipe } }) {
    try { `$null = & `$make; 'made' } catch { "`$(`$_.FullyQualifiedErrorId -replace ',.*') `$(`$_.CategoryInfo.Category)" }
}
`$q = New-MpQueue; `$q.Put(7); "queue `$(`$q.Get(5))"
"@ | Set-Content $script
            $info = [System.Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($a) }
            $info.Environment['TMPDIR'] = $mount
            $info.RedirectStandardOutput = $true
            $session = [System.Diagnostics.Process]::Start($info)
            $out = $session.StandardOutput.ReadToEnd() -split "`n" | Where-Object { $_ }
            $session.WaitForExit(60000) | Should -BeTrue
            $session.ExitCode | Should -Be 0 -Because "the session lives on: $out"
            $out | Should -Be 'MpNoRoom ResourceUnavailable', 'MpNoRoom ResourceUnavailable', 'MpNoRoom ResourceUnavailable', 'queue 7'
        }
        finally {
            $null = umount $mount 2>&1
            Remove-Item $mount -Force -ErrorAction Ignore
        }
    }
}

Describe 'One large message does not pin its size' {
    It 'gives back the buffers of a 50M-character string once it has crossed, in the child that put it and in the parent that got it' {
        $q = New-MpQueue
        $child = Start-MpProcess {
            param($q)
            $before = [GC]::GetTotalMemory($true)
            $q.Put('x' * 50000000)
            [GC]::Collect(); [GC]::WaitForPendingFinalizers()
            [GC]::GetTotalMemory($true) - $before
        } -ArgumentList $q
        $before = [GC]::GetTotalMemory($true)
        $got = $q.Get(120)
        $got.Length | Should -Be 50000000
        $got = $null
        [GC]::Collect(); [GC]::WaitForPendingFinalizers()
        $parentKept = [GC]::GetTotalMemory($true) - $before
        $childKept = Receive-MpProcess $child -Wait
        $childKept | Should -BeLessThan 20MB -Because 'the child keeps no buffer of the message''s size (50 MB as UTF-8)'
        $parentKept | Should -BeLessThan 20MB -Because 'the parent keeps no buffer of the message''s size'
    }
}

Describe 'The test command''s log' {
    It 'is plain text when redirected to a file, with a line as each test file starts' {
        $suite = (New-Item -ItemType Directory (Join-Path $TestDrive 'suite') -Force).FullName
        "Describe 'one' { It 'passes' { 1 | Should -Be 1 } }" | Set-Content (Join-Path $suite 'First.Tests.ps1')
        "Describe 'two' { It 'fails' { 1 | Should -Be 2 } }" | Set-Content (Join-Path $suite 'Second.Tests.ps1')
        $log = Join-Path $TestDrive 'suite.log'
        $result = Join-Path $TestDrive 'suite.json'
        $pester = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
        & $script:Pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Invoke-Tests.ps1') -PesterPath $pester -ResultPath $result -Path $suite *> $log
        $text = Get-Content $log -Raw
        $text | Should -Not -Match "`e\[" -Because 'no escape sequences in a log'
        $text | Should -Match "Running tests from '.*First\.Tests\.ps1'"
        $text | Should -Match "Running tests from '.*Second\.Tests\.ps1'"
        (Get-Content $result -Raw | ConvertFrom-Json).Failed | Should -Be 1
    }
}
