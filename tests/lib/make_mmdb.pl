#!/usr/bin/perl
# Writes a small country database (MaxMind DB format) for the red-flag tests.
# Usage: perl tests/lib/make_mmdb.pl OUT.mmdb [4|6]
#   6 (the default): an IPv6 tree holding the IPv4 networks too;
#   4: an IPv4-only database, which cannot answer for an IPv6 address.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $version) = @ARGV;
die "usage: make_mmdb.pl OUT.mmdb [4|6]\n" unless $out;
$version ||= 6;

# Documentation and benchmark ranges stand in for each country's addresses.
my %networks = (
    '198.51.100.0/24' => 'DE',
    '203.0.113.0/25'  => 'US',
    '203.0.113.128/25' => 'CN',
    '192.0.2.0/25'    => 'IR',
    '192.0.2.128/25'  => 'KP',
    '198.18.0.0/24'   => 'CU',
);
my %networks6 = (
    '2001:db8:de::/48' => 'DE',
    '2001:db8:5::/48'  => 'US',
    '2001:db8:c4::/48' => 'CN',
    '2001:db8:1a::/48' => 'IR',
    '2001:db8:4b::/48' => 'KP',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version            => $version,
    record_size           => 24,
    database_type         => 'Clearance-Test-Country',
    languages             => ['en'],
    description           => { en => 'clearance red-flag test countries' },
    map_key_type_callback => sub { $_[0] eq 'country' ? 'map' : 'utf8_string' },
    alias_ipv6_to_ipv4    => ($version == 6 ? 1 : 0),
    remove_reserved_networks => 0,
);
for my $net (sort keys %networks) {
    $tree->insert_network($net, { country => { iso_code => $networks{$net} } });
}
if ($version == 6) {
    for my $net (sort keys %networks6) {
        $tree->insert_network($net, { country => { iso_code => $networks6{$net} } });
    }
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $out: $!\n";
