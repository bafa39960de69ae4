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
