import { MessageBar, MessageBarBody, MessageBarTitle, Spinner } from '@fluentui/react-components';
import type { ReactNode } from 'react';

/** The three states every polled panel has: first load, failure, and content. */
export function LoadState<T>(props: {
  label: string;
  data: T | undefined;
  error: Error | undefined;
  children: (data: T) => ReactNode;
}) {
  if (props.data === undefined && props.error) {
    return (
      <MessageBar intent="error">
        <MessageBarBody>
          <MessageBarTitle>Could not load {props.label}</MessageBarTitle>
          {props.error.message}
        </MessageBarBody>
      </MessageBar>
    );
  }
  if (props.data === undefined) return <Spinner label={`Loading ${props.label}…`} />;
  return (
    <>
      {props.error && (
        <MessageBar intent="warning">
          <MessageBarBody>Showing the last data: {props.error.message}</MessageBarBody>
        </MessageBar>
      )}
      {props.children(props.data)}
    </>
  );
}
