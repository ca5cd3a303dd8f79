require ["date","relational","vacation"];
# rule:[Out of office]
if allof (currentdate :value "ge" "date" "2026-12-01", currentdate :value "le" "date" "2026-12-31")
{
	vacation :days 1 :addresses ["me@example.com","me.alias@example.com"] :from "me@example.com" :subject "Out of office" text:
I am away until January.

Please write to support@example.com for anything urgent.
.
;
}
