# What users coming from Start-Job, ThreadJob and ForEach-Object -Parallel expect (issue 17).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
}

Describe 'Paths and names as a job takes them' {
    It 'starts children, pools and inline scripts from a folder whose name has [ in it: paths are literal' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'a[b]c') -Force
        Push-Location -LiteralPath $folder.FullName
        try {
            Start-MpProcess { $PWD.ProviderPath } -Wait | Should -Be $folder.FullName
            Start-MpProcess { $PWD.ProviderPath } -Inline -Wait | Should -Be $folder.FullName
            Invoke-MpPool { $PWD.ProviderPath } -InputObject 1 -Size 1 | Should -Be $folder.FullName
            Start-MpProcess { $PWD.ProviderPath } -WorkingDirectory $folder.FullName -Wait | Should -Be $folder.FullName
        }
        finally { Pop-Location }
    }

    It 'takes a dotted module name for a name, not a relative path (<Command>)' -ForEach @(
        @{ Command = 'New-MpPool' }
        @{ Command = 'Start-MpProcess' }
    ) {
        if ($Command -eq 'New-MpPool') {
            $pool = New-MpPool -Size 1 -Module Microsoft.PowerShell.Utility
            try { Invoke-MpPool { (Get-Module Microsoft.PowerShell.Utility).Name } -InputObject 1 -Pool $pool | Should -Be 'Microsoft.PowerShell.Utility' }
            finally { Stop-MpPool $pool }
        }
        else {
            Start-MpProcess { (Get-Module Microsoft.PowerShell.Utility).Name } -Module Microsoft.PowerShell.Utility -Wait | Should -Be 'Microsoft.PowerShell.Utility'
        }
    }

    It 'still takes a module given as a path, relative to this location' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'mods') -Force
        'function Get-Marker { ''marked'' }' | Set-Content (Join-Path $folder 'Marker.psm1')
        Push-Location -LiteralPath $folder.FullName
        try { Start-MpProcess { Get-Marker } -Module Marker.psm1 -Wait | Should -Be 'marked' }
        finally { Pop-Location }
    }

    It 'refuses a blank -WorkingDirectory in parameter validation' {
        { Start-MpProcess {} -WorkingDirectory ' ' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.StartMpProcessCommand'
    }
}

Describe 'MpProcess as a job' {
    It 'has more data while it runs, before anything is buffered, as a running job has' {
        $p = Start-MpProcess { Start-Sleep 30 }
        try {
            $p.State | Should -Be 'Running'
            $p.HasMoreData | Should -BeTrue
        }
        finally { Stop-MpProcess $p -Force }
        $p | Wait-MpProcess | Out-Null
        $p.HasMoreData | Should -BeFalse
    }
}
