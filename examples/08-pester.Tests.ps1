# Tests Get-FolderHash (08-pester.ps1) with its pool's tasks run inline, so the mock applies inside them.
BeforeAll {
    . (Join-Path $PSScriptRoot '08-pester.ps1') -DefineOnly
    [Multiproc.MpSettings]::Inline = $true   # or $env:MULTIPROC_INLINE = 1, or -Inline on one call
}

AfterAll {
    [Multiproc.MpSettings]::Inline = $false
}

Describe 'Get-FolderHash' {
    BeforeAll {
        'one' | Set-Content TestDrive:/a.txt
        'two' | Set-Content TestDrive:/b.txt
    }

    It 'hashes each file once, with the hash Get-FileHash gives' {
        Mock Get-FileHash { [pscustomobject]@{ Hash = "hash of $(Split-Path $LiteralPath -Leaf)" } }

        $report = Get-FolderHash (Get-PSDrive TestDrive).Root

        $report.Name | Should -Be 'a.txt', 'b.txt'
        $report.Hash | Should -Be 'hash of a.txt', 'hash of b.txt'
        Should -Invoke Get-FileHash -Times 2 -Exactly
    }

    It 'runs its tasks in this process, where the mock lives' {
        Mock Get-FileHash { [pscustomobject]@{ Hash = $PID } }

        (Get-FolderHash (Get-PSDrive TestDrive).Root).Hash | Should -Be $PID, $PID
    }
}
