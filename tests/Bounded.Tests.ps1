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
