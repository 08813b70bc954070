#Requires -Version 7.4
# The iMessage channel: routes (cmdlets), and end to end through the real daemon against a stand-in imsg
# that speaks the imsg rpc protocol (newline-delimited JSON-RPC 2.0 over stdio).

BeforeDiscovery {
    $script:OnLinux = $IsLinux
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:SavedEnvironment = Clear-MsgcodeEnvironment
}

AfterAll {
    Restore-MsgcodeEnvironment $script:SavedEnvironment
}

Describe 'Chat routes' {
    BeforeEach {
        $script:TestHome = New-TestHome
    }

    It 'binds, lists, pauses and archives a route; the workspace is kept' {
        $ws = New-TestWorkspace
        $route = Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' $ws -Runner shell -Label acme -PassThru
        $route.GetType().FullName | Should -Be 'Msgcode.Core.Channels.ChatRoute'
        $route.Status | Should -Be 'active'
        $route.Workspace | Should -Be $ws
        (Get-MsgcodeRoute).ChatGuid | Should -Be 'iMessage;+;chat0001aaaa'
        (Get-MsgcodeRoute 'chat0001aaaa').Label | Should -Be 'acme' -Because 'a chat is found by its normalized id'
        (Get-MsgcodeRoute '0001aaaa').Runner | Should -Be 'shell' -Because 'or by the last 8 characters of it'
        Set-MsgcodeRoute 'iMessage;+;chat0001aaaa' -Status paused
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Status | Should -Be 'paused'
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Workspace | Should -Be $ws
        Remove-MsgcodeRoute 'iMessage;+;chat0001aaaa' -WhatIf
        (Get-MsgcodeRoute 'iMessage;+;chat0001aaaa').Status | Should -Be 'paused'
        (Remove-MsgcodeRoute 'iMessage;+;chat0001aaaa' -PassThru).Status | Should -Be 'archived'
        @(Get-MsgcodeRoute).Count | Should -Be 0
        (Get-MsgcodeRoute -Status archived).ChatGuid | Should -Be 'iMessage;+;chat0001aaaa'
        Test-Path $ws | Should -BeTrue
        $json = Get-Content (Join-Path $TestHome 'routes.json') -Raw | ConvertFrom-Json
        $json.version | Should -Be 1
        $json.routes.'iMessage;+;chat0001aaaa'.workspacePath | Should -Be $ws
    }

    It 'reports a missing route, a missing workspace and a corrupt routes file' {
        Get-MsgcodeRoute 'nope' -ErrorVariable e -ErrorAction SilentlyContinue
        $e[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        Set-MsgcodeRoute 'c1' (Join-Path $TestDrive 'missing-folder') -ErrorVariable e2 -ErrorAction SilentlyContinue
        $e2[0].FullyQualifiedErrorId | Should -BeLike 'WorkspaceNotFound,*'
        Set-MsgcodeRoute 'c1' -ErrorVariable e3 -ErrorAction SilentlyContinue
        $e3[0].FullyQualifiedErrorId | Should -BeLike 'RouteNotFound,*'
        Set-Content (Join-Path $TestHome 'routes.json') '{ not json'
        Get-MsgcodeRoute -ErrorVariable e4 -ErrorAction SilentlyContinue
        $e4[0].FullyQualifiedErrorId | Should -BeLike 'RoutesFileCorrupt,*'
        Set-MsgcodeRoute 'c1' (New-TestWorkspace) -ErrorAction SilentlyContinue
        Get-Content (Join-Path $TestHome 'routes.json') -Raw | Should -Match 'not json' -Because 'a corrupt file is never rewritten'
    }
}
