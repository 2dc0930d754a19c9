#!/usr/bin/env bash
# clearance screen: output format, batch order, exit codes. $1 is the binary.
set -u
bin=$1
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # description, condition
    if eval "$2"; then :; else echo "FAIL: $1"; fail=1; fi
}

out=$("$bin" screen --data-dir data "Vladimir Putn")
check "single query exits 0" "[ $? -eq 0 ]"
check "single query output" \
    "echo '$out' | grep -q '^{\"query\": \"Vladimir Putn\", \"matches\": \[{\"list\": \"sdn\", \"id\": \"35096\", \"name\": \"PUTIN, Vladimir Vladimirovich\", \"matched_name\": \"PUTIN, Vladimir\", \"score\": 0\.[0-9]*, \"status\": \"hit\"}'"

out=$("$bin" screen --lists data/lists/un.xml "Frank Kakorere Bwambale")
check "--lists file" "echo '$out' | grep -q '\"list\": \"un\", \"id\": \"CDi.002\"'"

out=$("$bin" screen --data-dir data --explain --type org "Banco Nacinal de Cuba" 2>/dev/null)
check "--explain table" "echo '$out' | grep -q 'nacinal ~ nacional: f'"

printf '%s\n' '{"name": "Banco Nacional de Cuba", "type": "org", "country": "CU"}' \
    'Olaf Scholz' 'Vladimir Putin' '{"name": "Mohammadreza JAFARIBANDARAABDI"}' > "$tmp/in.jsonl"
for i in $(seq 1 40); do echo "Olaf Scholz $i" >> "$tmp/in.jsonl"; done
echo 'Vladimir Putin' >> "$tmp/in.jsonl"
"$bin" screen --data-dir data --batch "$tmp/in.jsonl" > "$tmp/out.jsonl"
check "batch exits 0" "[ $? -eq 0 ]"
check "batch line count" "[ $(wc -l < "$tmp/out.jsonl") -eq 45 ]"
check "batch order 1" "sed -n 1p $tmp/out.jsonl | grep -q '\"query\": \"Banco Nacional de Cuba\".*\"id\": \"306\"'"
check "batch order 2" "sed -n 2p $tmp/out.jsonl | grep -q '\"query\": \"Olaf Scholz\", \"matches\": \[\]'"
check "batch order 3" "sed -n 3p $tmp/out.jsonl | grep -q '\"id\": \"35096\"'"
check "batch order 4" "sed -n 4p $tmp/out.jsonl | grep -q '\"id\": \"29817\"'"
check "batch order last" "sed -n 45p $tmp/out.jsonl | grep -q '\"query\": \"Vladimir Putin\"'"

printf '%s\n' '{"name": 5}' 'Vladimir Putin' > "$tmp/bad.jsonl"
"$bin" screen --data-dir data --batch "$tmp/bad.jsonl" > "$tmp/bad.out"
check "batch bad line exits 2" "[ $? -eq 2 ]"
check "batch bad line reported" "sed -n 1p $tmp/bad.out | grep -q '\"error\"'"
check "batch continues" "sed -n 2p $tmp/bad.out | grep -q '35096'"

"$bin" screen --data-dir data --type spaceship x > /dev/null 2>&1
check "bad --type exits 2" "[ $? -eq 2 ]"
"$bin" screen --data-dir data > /dev/null 2>&1
check "no name exits 2" "[ $? -eq 2 ]"
"$bin" screen --lists /nonexistent/list.csv x > /dev/null 2>&1
check "missing list exits 2" "[ $? -eq 2 ]"
exit $fail
