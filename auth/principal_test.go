package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestCan(t *testing.T) {
	admin := Principal{KeyName: "a", Role: RoleAdmin}
	member := Principal{KeyName: "m", Role: RoleMember}
	ro := Principal{KeyName: "r", Role: RoleReadOnly}
	shopMember := Principal{KeyName: "sm", Role: RoleMember, Workspaces: []string{"shop"}}
	shopRO := Principal{KeyName: "sr", Role: RoleReadOnly, Workspaces: []string{"shop", "iot"}}
	none := Principal{}
	cases := []struct {
		p    Principal
		a    Action
		ws   string
		want bool
	}{
		{admin, ActionAdmin, "", true},
		{admin, ActionDDL, "shop", true},
		{Superuser, ActionAdmin, "", true},
		{member, ActionWrite, "shop", true},
		{member, ActionDDL, "", true},
		{member, ActionAdmin, "", false},
		{ro, ActionRead, "shop", true},
		{ro, ActionWrite, "shop", false},
		{ro, ActionDDL, "", false},
		{ro, ActionAdmin, "", false},
		{shopMember, ActionWrite, "shop", true},
		{shopMember, ActionWrite, "other", false},
		{shopMember, ActionRead, "commons", false},
		{shopMember, ActionRead, "", true},
		{shopMember, ActionAdmin, "", false},
		{shopRO, ActionRead, "iot", true},
		{shopRO, ActionWrite, "iot", false},
		{none, ActionRead, "", false},
	}
	for _, c := range cases {
		if got := c.p.Can(c.a, c.ws); got != c.want {
			t.Errorf("%s (%s %v) may %s in %q: got %v, want %v", c.p.KeyName, c.p.Role, c.p.Workspaces, c.a, c.ws, got, c.want)
		}
		if err := c.p.Check(c.a, c.ws); (err == nil) != c.want || (err != nil && !errors.Is(err, ErrForbidden)) {
			t.Errorf("Check %s %s %q: %v", c.p.KeyName, c.a, c.ws, err)
		}
	}
	err := shopMember.AuthorizeWrite("other", "events")
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "other.events") || !strings.Contains(err.Error(), "limited to workspace(s) shop") {
		t.Fatalf("AuthorizeWrite: %v", err)
	}
	if err := ro.AuthorizeWrite("shop", "events"); err == nil || !strings.Contains(err.Error(), "role read-only") {
		t.Fatalf("read-only AuthorizeWrite: %v", err)
	}
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"admin": RoleAdmin, "Member": RoleMember, "read-only": RoleReadOnly, "READ_ONLY": RoleReadOnly, "readonly": RoleReadOnly} {
		if got, err := ParseRole(in); err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseRole("owner"); err == nil {
		t.Error("ParseRole(owner) succeeded")
	}
}
