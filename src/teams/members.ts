import type { TurnContext } from 'botbuilder';
import { memberAddFormCard, memberChangeFormCard, membersCard } from '../cards/members';
import { fieldErrorsOf } from '../domain/errors';
import { validateMemberChange, validateMemberInput } from '../domain/members';
import { formValue } from '../cards/format';
import { translate } from '../locales';
import { offsetOf, PAGE_SIZES } from '../cards/paging';
import { addMember, changeMember, endMembershipsOfDeparted, listMembers, listMembersPage } from '../storage/members';
import { conversationKey } from './context';
import type { BotDeps, Feature } from './feature';
import { auditRead, consentedTeamsUserIds, memberChoices, postShell, requireGroupAccess, type GroupTurn } from './group-context';
import { readRoster } from './roster';
import { caseloadWarningAfter } from './caseload';
import { claimKeyOfTurn } from './turn';

/** `medlemmar` / `members`: the group's members, added from the roster or as contacts; roles, consent, removal. */
export function membersFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  async function membersView(turn: GroupTurn, notice?: string, offset = 0, warning?: string) {
    const page = await listMembersPage(db, turn.group.id, offset, PAGE_SIZES.members);
    await auditRead(db, turn, 'members.read', 'ResourceGroup', turn.group.id);
    return membersCard(turn.locale, page.members, {
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      notice,
      warning,
      offset: page.offset,
      total: page.total,
      canManage: turn.member.isCaseManager,
    });
  }

  /** Roster people who are not (current) members yet. */
  async function addablePeople(context: TurnContext, turn: GroupTurn) {
    const roster = await readRoster(context, logger);
    const current = new Set((await listMembers(db, turn.group.id)).map((m) => m.teamsUserId).filter(Boolean));
    return { roster, people: roster.filter((p) => !current.has(p.teamsUserId)).map((p) => ({ id: p.teamsUserId, name: p.name })) };
  }


  return {
    name: 'members',
    commands: {
      members: async (context) => {
        const turn = await requireGroupAccess(db, context, 'member', 'members.read');
        await postShell(context, turn.locale, {
          titleKey: 'shell.members.title',
          verb: 'membersShow',
          userIds: await consentedTeamsUserIds(db, turn.group.id),
        });
      },
    },
    actions: {
      membersShow: async (context, data) => membersView(await requireGroupAccess(db, context, 'member', 'members.read'), undefined, offsetOf(data.offset)),

      memberAddForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'member.add');
        const mode = formValue(data.mode) === 'contact' ? 'contact' : 'roster';
        if (mode === 'roster') {
          const { people } = await addablePeople(context, turn);
          if (people.length === 0) return membersView(turn, translate(turn.locale, 'members.addForm.nobodyLeft'));
          return memberAddFormCard(turn.locale, 'roster', people);
        }
        return memberAddFormCard(turn.locale, 'contact', []);
      },

      memberAdd: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'member.add');
        const mode = formValue(data.mode) === 'contact' ? 'contact' : 'roster';
        const { roster, people } = await addablePeople(context, turn);
        const submitted = { ...data, person: mode === 'contact' ? 'contact' : data.person };
        const validation = validateMemberInput(submitted, mode === 'contact' ? [] : roster);
        if (!validation.ok) return memberAddFormCard(turn.locale, mode, people, data, validation.fieldErrors);
        const rosterPerson = roster.find((p) => p.teamsUserId === validation.value.teamsUserId);
        try {
          await addMember(db, turn.group.id, validation.value, rosterPerson, turn.actor, now());
        } catch (error) {
          const fieldErrors = fieldErrorsOf(error);
          if (fieldErrors) return memberAddFormCard(turn.locale, mode, people, data, fieldErrors);
          throw error;
        }
        logger.info('member.added', { groupId: turn.group.id, fromRoster: Boolean(rosterPerson) });
        return membersView(turn, translate(turn.locale, 'members.added'));
      },

      memberChangeForm: async (context) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'member.change');
        return memberChangeFormCard(turn.locale, await memberChoices(db, turn.group.id));
      },

      memberChange: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'caseManager', 'member.change');
        const choices = await memberChoices(db, turn.group.id);
        const validation = validateMemberChange(data, choices.map((c) => c.id));
        if (!validation.ok) return memberChangeFormCard(turn.locale, choices, data, validation.fieldErrors);
        let changed;
        try {
          changed = await changeMember(db, turn.group.id, validation.value, turn.actor, now());
        } catch (error) {
          const fieldErrors = fieldErrorsOf(error);
          if (fieldErrors) return memberChangeFormCard(turn.locale, choices, data, fieldErrors);
          throw error;
        }
        logger.info('member.changed', { groupId: turn.group.id, change: validation.value.kind });
        // A hand-over to someone else (the caller is the case manager): their caseload, told to the caller alone.
        const warning = validation.value.kind === 'makeCaseManager' && changed.id !== turn.member.id
          ? await caseloadWarningAfter(deps, context, turn.group, { ...changed, memberId: changed.id }, turn.member.id)
          : undefined;
        // The caller may just have handed over the case-manager role: show what they may now see.
        return membersView(await requireGroupAccess(db, context, 'member', 'members.read'), translate(turn.locale, 'members.changed'), 0, warning);
      },
    },
  };
}

/**
 * People who left the Teams conversation (or the team) lose their group membership at once. The bot's
 * own removal is ignored here.
 */
export async function endMembershipsOfDepartedMembers(deps: BotDeps, context: TurnContext): Promise<void> {
  const activity = context.activity;
  const removed = (activity.membersRemoved ?? []).map((m) => m.id).filter((id) => id && id !== activity.recipient?.id);
  if (removed.length === 0) return;
  const channelData = (activity.channelData ?? {}) as { team?: { id?: string } };
  const ended = await endMembershipsOfDeparted(
    deps.db,
    { teamId: channelData.team?.id, conversationId: conversationKey(activity.conversation?.id ?? '') },
    removed,
    deps.now(),
    { claimKey: claimKeyOfTurn(context), reason: 'left_conversation' },
  );
  deps.logger.info('members.left_conversation', { removed: removed.length, membershipsEnded: ended });
}
